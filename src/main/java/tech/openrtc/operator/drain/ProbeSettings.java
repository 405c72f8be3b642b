package tech.openrtc.operator.drain;

import java.time.Duration;

/**
 * What a probe needs to know of a deployment's spec: where its workers report their calls, which
 * agent they are, and how often they are read.
 */
public record ProbeSettings(
    InFlightSource source,
    int httpPort,
    String httpPath,
    String httpField,
    String agentName,
    Duration poll) {

  public boolean readsLiveKit() {
    return source == InFlightSource.LIVEKIT || source == InFlightSource.HTTP_AND_LIVEKIT;
  }
}
