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
 * @param propagation how late a pod's files follow the API objects they show
 * @param nodes how many Nodes the cluster boots with ({@code sim-node-1..N})
 * @param evictionRetry how often the node drains ({@link NodeDrain}) try again to evict a pod
 *     (kubectl drain: every 5 s after a 429)
 * @param garbageCollectionDelay how long after an AgentDeployment is gone its garbage collector
 *     deletes what it owned ({@link SimGarbageCollector})
 */
public record SimOptions(
    Duration startupDelay,
    int apiPort,
    int workerPort,
    long seed,
    Propagation propagation,
    int nodes,
    Duration evictionRetry,
    Duration garbageCollectionDelay) {

  /**
   * How late the kubelet shows a change in a running pod's files. A pod update makes the kubelet
   * sync that pod, so its downward-API files ({@code podInfo}: labels, annotations) follow within
   * about a second; ConfigMap and Secret volumes are refreshed only on the kubelet's periodic sync
   * (every minute plus jitter, and through a cache of its own), each volume on its own. The
   * Kubernetes docs say so: "the total delay from the moment when the ConfigMap is updated to the
   * moment when new keys are projected to the Pod can be as long as the kubelet sync period +
   * cache propagation delay" (Configure a Pod to Use a ConfigMap, "Mounted ConfigMaps are updated
   * automatically"). At pod start every file shows the objects as they are.
   */
  public record Propagation(Duration podInfo, Duration configMapVolume, Duration secretVolume) {
    public static final Propagation INSTANT = new Propagation(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** As a kubelet with its default one-minute sync: podinfo in a second, volumes a minute late. */
    public static Propagation kubelet() {
      return new Propagation(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    public Propagation {
      for (Duration d : new Duration[] {podInfo, configMapVolume, secretVolume}) {
        if (d == null || d.isNegative()) {
          throw new IllegalArgumentException("propagation delays must be zero or more");
        }
      }
    }
  }

  public SimOptions {
    Objects.requireNonNull(startupDelay, "startupDelay");
    Objects.requireNonNull(propagation, "propagation");
    Objects.requireNonNull(evictionRetry, "evictionRetry");
    Objects.requireNonNull(garbageCollectionDelay, "garbageCollectionDelay");
    if (garbageCollectionDelay.isNegative()) {
      throw new IllegalArgumentException("garbageCollectionDelay must not be negative");
    }
    if (nodes < 0) {
      throw new IllegalArgumentException("nodes must not be negative");
    }
    if (evictionRetry.isNegative() || evictionRetry.isZero()) {
      throw new IllegalArgumentException("evictionRetry must be positive");
    }
    if (startupDelay.isNegative()) {
      throw new IllegalArgumentException("startupDelay must not be negative");
    }
    if (apiPort < 0 || apiPort > 65535 || workerPort <= 0 || workerPort > 65535) {
      throw new IllegalArgumentException("bad port: api " + apiPort + ", worker " + workerPort);
    }
  }

  /** Files follow at once (the tests that are not about propagation). */
  public static SimOptions defaults() {
    return new SimOptions(Duration.ofSeconds(1), 0, 8081, 42L, Propagation.INSTANT, 3, Duration.ofSeconds(5),
        Duration.ofSeconds(1));
  }

  public SimOptions withStartupDelay(Duration d) {
    return new SimOptions(d, apiPort, workerPort, seed, propagation, nodes, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withApiPort(int port) {
    return new SimOptions(startupDelay, port, workerPort, seed, propagation, nodes, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withWorkerPort(int port) {
    return new SimOptions(startupDelay, apiPort, port, seed, propagation, nodes, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withSeed(long s) {
    return new SimOptions(startupDelay, apiPort, workerPort, s, propagation, nodes, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withPropagation(Propagation p) {
    return new SimOptions(startupDelay, apiPort, workerPort, seed, p, nodes, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withNodes(int n) {
    return new SimOptions(startupDelay, apiPort, workerPort, seed, propagation, n, evictionRetry, garbageCollectionDelay);
  }

  public SimOptions withEvictionRetry(Duration d) {
    return new SimOptions(startupDelay, apiPort, workerPort, seed, propagation, nodes, d, garbageCollectionDelay);
  }

  public SimOptions withGarbageCollectionDelay(Duration d) {
    return new SimOptions(startupDelay, apiPort, workerPort, seed, propagation, nodes, evictionRetry, d);
  }
}
