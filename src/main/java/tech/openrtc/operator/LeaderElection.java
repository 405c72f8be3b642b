package tech.openrtc.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.UUID;

/**
 * Opt-in leader election ({@code run --leader-election}): replicas share one
 * coordination.k8s.io/v1 Lease; only its holder reconciles. The others keep their informer caches
 * warm and take over once the holder has stopped renewing for {@code leaseDuration}.
 *
 * @param onLost run when this instance loses the Lease without having been asked to stop (the
 *     operator has already stopped reconciling by then); e.g. exit so a fresh standby replaces it
 * @param pod this replica's own pod, labelled {@value LeaderPodLabel#LABEL} while it leads so
 *     that the webhook Service selects it; null: no pod to label (run outside a cluster)
 */
public record LeaderElection(String leaseName, String leaseNamespace, String identity,
    Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, Runnable onLost, PodRef pod) {

  /** A pod by namespace and name. */
  public record PodRef(String namespace, String name) {

    /**
     * This process's pod: env POD_NAME (else HOSTNAME, which a pod's container gets as its pod
     * name) in POD_NAMESPACE (else {@code fallbackNamespace}); null when no name is known.
     */
    public static PodRef fromEnvironment(String fallbackNamespace) {
      String name = firstSet(System.getenv("POD_NAME"), System.getenv("HOSTNAME"));
      String namespace = firstSet(System.getenv("POD_NAMESPACE"), fallbackNamespace);
      return name == null || namespace == null ? null : new PodRef(namespace, name);
    }

    private static String firstSet(String a, String b) {
      return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }
  }

  public static final String LEASE_NAME = "openrtc-operator";

  /** Lease {@value #LEASE_NAME} with JOSDK's default timings (15 s lease, 10 s renew deadline, 2 s retry). */
  public static LeaderElection of(String leaseNamespace, String identity) {
    return new LeaderElection(LEASE_NAME, leaseNamespace, identity,
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        () -> { }, null);
  }

  /** The same election on another Lease (one per shard). */
  public LeaderElection withLeaseName(String name) {
    return new LeaderElection(name, leaseNamespace, identity, leaseDuration, renewDeadline, retryPeriod, onLost, pod);
  }

  /**
   * The Lease of a shard: {@value #LEASE_NAME} for the whole cluster, else
   * {@value #LEASE_NAME}-shard- and a short stable hash of the selector, so each shard's replicas
   * elect their own leader and two shards never share one.
   */
  public static String leaseNameFor(String selector) {
    if (selector == null || selector.isBlank()) {
      return LEASE_NAME;
    }
    String hash = Integer.toHexString(selector.trim().hashCode() & 0x7fffffff);
    return LEASE_NAME + "-shard-" + hash;
  }

  /** HOSTNAME (the pod name in a cluster), else a random id: unique per replica either way. */
  public static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? UUID.randomUUID().toString() : host;
  }

  public LeaderElection withTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    return new LeaderElection(leaseName, leaseNamespace, identity, leaseDuration, renewDeadline, retryPeriod, onLost,
        pod);
  }

  public LeaderElection whenLost(Runnable onLost) {
    return new LeaderElection(leaseName, leaseNamespace, identity, leaseDuration, renewDeadline, retryPeriod, onLost,
        pod);
  }

  /** Label this pod while leading (null: none). */
  public LeaderElection withPod(PodRef pod) {
    return new LeaderElection(leaseName, leaseNamespace, identity, leaseDuration, renewDeadline, retryPeriod, onLost,
        pod);
  }

  LeaderElectionConfiguration josdkConfiguration(LeaderCallbacks callbacks) {
    // exitOnStopLeading false: JOSDK would call System.exit also when we stop on purpose (the
    // cancelled elector reports "stopped leading"), killing a test JVM or hanging a shutdown hook.
    // AgentOperator handles a real loss itself.
    return new LeaderElectionConfiguration(leaseName, leaseNamespace, leaseDuration, renewDeadline, retryPeriod,
        identity, callbacks, false);
  }
}
