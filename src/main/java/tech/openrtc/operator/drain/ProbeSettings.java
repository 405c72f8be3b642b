package tech.openrtc.operator.drain;

import java.time.Duration;

/**
 * What a probe needs to know of a deployment's spec: where its workers report their calls, which
 * agent they are, how often they are read, and how long after its drain mark a pod's 0 counts.
 */
public record ProbeSettings(
    InFlightSource source,
    int httpPort,
    String httpPath,
    String httpField,
    String agentName,
    Duration poll,
    Duration drainSettle) {

  public boolean readsLiveKit() {
    return source == InFlightSource.LIVEKIT || source == InFlightSource.HTTP_AND_LIVEKIT;
  }
}
