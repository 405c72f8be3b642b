package tech.openrtc.operator.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.openrtc.operator.metrics.OperatorMetrics;
import tech.openrtc.operator.pods.PodState;

/**
 * Which pods took calls with them: a pod that went, or failed, without the operator having drained
 * it to 0 had its last known count of calls cut. Pure: no client, no clock.
 *
 * <p>A pod deleted with a grace period (an eviction, {@code kubectl delete}, our Signal trigger) whose
 * worker exited before the grace period ran out ended its calls first (the worker contract: on
 * SIGTERM, finish the calls, then exit): nothing is cut. The API server sets deletionTimestamp to
 * the delete time plus the grace period, the time the kubelet kills the worker; a pod gone before it
 * exited by itself. A pod removed at once (grace 0: a forced delete, a lost node's pods) or gone at
 * its kill time was killed with whatever it held.
 */
final class LostCalls {

  private LostCalls() {}

  /** One pod's cut calls, and why: {@code pod_lost}, or {@code drain_deadline} for a pod we were draining. */
  record LostPod(String pod, String version, String revision, int calls, String reason, String how) {}

  /**
   * @param departed pods the informer saw go since the last pass
   * @param pods the deployment's pods now
   * @param lastKnown last known in-flight count by pod name
   * @param accounted pods whose calls are accounted for already (deleted by us at 0 or at a deadline,
   *     or counted once)
   */
  static List<LostPod> detect(List<PodDepartures.Departure> departed, List<PodState> pods,
      Map<String, Integer> lastKnown, Set<String> accounted) {
    List<LostPod> lost = new ArrayList<>();
    for (PodDepartures.Departure d : departed) {
      PodState pod = d.pod();
      int calls = lastKnown.getOrDefault(pod.name(), 0);
      if (calls == 0 || accounted.contains(pod.name()) || exitedInTime(pod, d.goneAt())) {
        continue;
      }
      boolean graceful = graceful(pod);
      // A pod we were draining, killed when its grace period (at least the drain timeout) ran out,
      // met its drain deadline; anything else took the calls with it unplanned.
      lost.add(new LostPod(pod.name(), pod.version(), pod.revision(), calls,
          graceful && pod.draining() ? OperatorMetrics.CUT_AT_DEADLINE : OperatorMetrics.CUT_POD_LOST,
          graceful ? "killed at the end of its grace period" : "removed at once (forced delete or lost node)"));
    }
    for (PodState pod : pods) {
      int calls = lastKnown.getOrDefault(pod.name(), 0);
      if (pod.failed() && calls > 0 && !accounted.contains(pod.name())) {
        lost.add(new LostPod(pod.name(), pod.version(), pod.revision(), calls, OperatorMetrics.CUT_POD_LOST,
            "its worker failed"));
      }
    }
    return lost;
  }

  /** Deleted with a grace period: the kubelet kills the worker at killAt, not at once. */
  private static boolean graceful(PodState pod) {
    return pod.killAt() != null && pod.deletedAt() != null && pod.killAt().isAfter(pod.deletedAt());
  }

  /** Gone before the kubelet's kill time: its worker exited by itself. */
  private static boolean exitedInTime(PodState pod, Instant goneAt) {
    return graceful(pod) && goneAt.isBefore(pod.killAt());
  }
}
