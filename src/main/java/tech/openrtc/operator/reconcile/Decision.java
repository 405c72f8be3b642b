package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

/**
 * What one pass does, decided by {@link Decider} without touching the cluster; {@link Actor}
 * carries it out in the order of the fields below. Empty lists and nulls mean "nothing to do".
 *
 * @param specRewrite the spec is rewritten to an older revision (rollback); nothing else is done
 *     in that pass, the next one sees the new spec
 * @param leftovers objects a deleted predecessor of the same name left behind, deleted first
 *     ({@link Predecessors})
 * @param recordTarget the target revision's record is written (created, or renumbered newest)
 * @param prunes revision records past revisionHistoryLimit
 * @param status the status to write (written only if it differs from the stored one)
 * @param clearCommands command annotations carried out or void, removed after status
 * @param membership the membership ConfigMap's content, published before credentials
 * @param credentials revision to version of every live revision, each with a signed credential
 * @param credentialAudience the {@code aud} of those credentials
 * @param budget the PodDisruptionBudget to write or delete, null to leave it as it is; written
 *     before pods are created, so a higher minAvailable is in place before they can be healthy
 * @param creates pods to create, per revision template
 * @param plan the pod decisions (drains, deletes) and the phase they lead to
 * @param audits Events and audit records, written last
 * @param metrics metric changes, written last
 * @param awaitedPods pods the deployment waits on (draining or terminating), for webhooks
 * @param requeue when to look again with nothing changing; null for never
 * @param podsLeft pods still there once this pass is done (a deleted deployment waits for 0)
 */
public record Decision(
    SpecRewrite specRewrite,
    List<HasMetadata> leftovers,
    boolean recordTarget,
    List<ControllerRevision> prunes,
    AgentDeploymentStatus status,
    List<String> clearCommands,
    Membership membership,
    Map<String, String> credentials,
    String credentialAudience,
    BudgetChange budget,
    List<Creation> creates,
    Plan plan,
    List<AuditRecord> audits,
    MetricChanges metrics,
    Set<String> awaitedPods,
    Duration requeue,
    int podsLeft) {

  /** Rolls the spec back to {@code to}; the write is conditional on the resourceVersion observed. */
  public record SpecRewrite(ControllerRevision to, String reason, List<String> removeAnnotations) {}

  /** The budget to write ({@code write}), or the one to delete ({@code delete}). */
  public record BudgetChange(PodDisruptionBudget write, PodDisruptionBudget delete) {}

  /** {@code count} pods of {@code template}, created with {@code role} (active or preview). */
  public record Creation(RevisionTemplate template, String role, int count) {}

  /** One Event on the AgentDeployment and one audit record. */
  public record AuditRecord(String event, String target, String result, String version, String revision,
      boolean warning, String message, Map<String, Object> extra) {}

  /** One pod deleted after a drain: why, and how long its drain took (null when not timed). */
  public record Drained(String reason, Duration took, int callsCut) {}

  /** Metric changes: the per-version gauges, and what happened in this pass. */
  public record MetricChanges(List<VersionStatus> versions, Duration rolloutCompleted, List<Drained> drained,
      List<LostCalls.LostPod> lost) {
    public static final MetricChanges NONE = new MetricChanges(null, null, List.of(), List.of());
  }

  /** Nothing but a status (or nothing at all). */
  static Decision statusOnly(AgentDeploymentStatus status, List<AuditRecord> audits, Duration requeue) {
    return new Decision(null, List.of(), false, List.of(), status, List.of(), null, null, null, null, List.of(), null, audits,
        MetricChanges.NONE, Set.of(), requeue, 0);
  }

  /** The spec is rolled back; the next pass sees the new spec. */
  static Decision rewrite(SpecRewrite rewrite, List<AuditRecord> audits) {
    return new Decision(rewrite, List.of(), false, List.of(), null, List.of(), null, null, null, null, List.of(), null, audits,
        MetricChanges.NONE, Set.of(), null, 0);
  }

  /** A command that cannot be carried out: it is removed, and said why. */
  static Decision rejectCommand(String annotation, List<AuditRecord> audits) {
    return new Decision(null, List.of(), false, List.of(), null, List.of(annotation), null, null, null, null, List.of(), null, audits,
        MetricChanges.NONE, Set.of(), null, 0);
  }
}
