package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Duration;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.drain.InFlightSource;
import tech.openrtc.operator.drain.ProbeSettings;

/**
 * A validated spec with every default applied, so the same sparse spec behaves the same whether
 * or not the API server applied the CRD defaults.
 */
public record EffectiveSpec(
    String version,
    int replicas,
    String agentName,
    PodTemplateSpec template,
    boolean autoPromote,
    int minReadySeconds,
    int progressDeadlineSeconds,
    boolean autoRollback,
    DrainTrigger trigger,
    InFlightSource inFlightSource,
    int httpPort,
    String httpPath,
    String httpField,
    int pollSeconds,
    int activePollSeconds,
    int timeoutSeconds,
    OnTimeout onTimeout,
    int credentialTtlSeconds,
    boolean disruptionBudget,
    int revisionHistoryLimit,
    boolean paused) {


  public Duration poll() {
    return Duration.ofSeconds(pollSeconds);
  }

  /** What the in-flight probe needs of this spec. */
  public ProbeSettings probe() {
    return new ProbeSettings(inFlightSource, httpPort, httpPath, httpField, agentName, poll(), drainSettle());
  }

  /**
   * A zero reading counts only once the worker has had this long to see its drain mark (a worker
   * may accept one more job between our patch and noticing it): as long as a promoted worker is
   * given to see its role, {@link RolloutPlanner#ROLE_SETTLE}, since both reach it the same way,
   * through its podinfo files. (It was min(pollSeconds, 2 s): with 1 s polls a worker whose kubelet
   * took a second to rewrite the files took a job after the 0 that deleted its pod; the chaos run
   * found it.)
   */
  public Duration drainSettle() {
    return RolloutPlanner.ROLE_SETTLE;
  }

  public Duration drainTimeout() {
    return Duration.ofSeconds(timeoutSeconds);
  }
}
