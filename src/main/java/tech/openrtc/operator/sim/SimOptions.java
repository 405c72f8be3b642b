package tech.openrtc.operator.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SimCluster}.
 *
 * @param startupDelay time from pod creation to Running + Ready (per pod: annotation
 *     {@value SimKubelet#ANNOTATION_STARTUP_DELAY_MS})
 * @param apiPort port of the mock API server on 127.0.0.1; 0 picks a free one
 * @param workerPort port every simulated worker serves {@code /worker} on (livekit-agents: 8081)
 * @param seed seed for the sim's own randomness (call routing ties, arrival jitter)
 */
public record SimOptions(Duration startupDelay, int apiPort, int workerPort, long seed) {

  public SimOptions {
    Objects.requireNonNull(startupDelay, "startupDelay");
    if (startupDelay.isNegative()) {
      throw new IllegalArgumentException("startupDelay must not be negative");
    }
    if (apiPort < 0 || apiPort > 65535 || workerPort <= 0 || workerPort > 65535) {
      throw new IllegalArgumentException("bad port: api " + apiPort + ", worker " + workerPort);
    }
  }

  public static SimOptions defaults() {
    return new SimOptions(Duration.ofSeconds(1), 0, 8081, 42L);
  }

  public SimOptions withStartupDelay(Duration d) {
    return new SimOptions(d, apiPort, workerPort, seed);
  }

  public SimOptions withApiPort(int port) {
    return new SimOptions(startupDelay, port, workerPort, seed);
  }

  public SimOptions withWorkerPort(int port) {
    return new SimOptions(startupDelay, apiPort, port, seed);
  }

  public SimOptions withSeed(long s) {
    return new SimOptions(startupDelay, apiPort, workerPort, s);
  }
}
