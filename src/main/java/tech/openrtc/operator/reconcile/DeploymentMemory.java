package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.openrtc.operator.drain.InFlight;

/**
 * What the operator remembers of one AgentDeployment between passes, beyond what the cluster
 * holds. Everything here may be lost (a restart, a new leader): it only makes the next pass better
 * informed, never decides on its own. JOSDK runs one pass per deployment at a time, so the fields
 * need no locking; adding state means adding a field here.
 */
public final class DeploymentMemory {

  /** How long a delete of ours is remembered while the cache has not shown it yet. */
  static final Duration DELETE_MEMORY = Duration.ofMinutes(2);

  final String namespace;
  final String name;
  /** Pods this operator deleted, by name, until the cache shows them terminating or gone. */
  private final Map<String, Instant> deletedPods = new HashMap<>();
  /** The last known count of each pod, for calls cut at a deadline or when a pod is lost. */
  private final Map<String, Integer> lastKnownInFlight = new HashMap<>();
  /** Pods whose calls are accounted for: deleted by us at 0 or at a deadline, or counted as cut. */
  private final Set<String> accounted = new HashSet<>();
  /** When the pods that are not draining are read next (drain.activePollSeconds). */
  Instant nextActiveRead;
  /** Since when each pod's two in-flight sources have disagreed (crossCheck). */
  final SourceDisagreements disagreements = new SourceDisagreements();
  /** Why the last pod create failed, until one succeeds. */
  String createFailure;
  /** Why the operator itself rewrote the spec (rollback), for the audit record of that rollout. */
  String rollbackReason;
  /** When status was last written, to throttle writes of call counts alone. */
  Instant lastStatusWrite;
  /** The last LiveKit credential problem logged, so each is logged once. */
  String liveKitProblem;
  /** The unknown spec fields last warned about, so each set is warned about once. */
  List<String> unknownFieldsWarned = List.of();
  /** Pods the cache shows terminating long past their kill time, looked up on the API server. */
  final StaleTerminatingPods staleTerminating = new StaleTerminatingPods();
  /** The last pass, so a sweep never drops the memory of a deployment being reconciled. */
  volatile Instant lastUsed;

  DeploymentMemory(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  /** Remembers a delete about to be sent; false when one was sent already (never delete twice). */
  boolean deletedNow(String pod, Instant now) {
    return deletedPods.putIfAbsent(pod, now) == null;
  }

  /**
   * Our deletes the cache has not shown yet, by pod name; forgets those it has shown
   * ({@code terminatingOrGone} holds the pods the cache shows terminating) and old ones.
   */
  Map<String, Instant> pendingDeletes(Set<String> cachedPods, Set<String> terminating, Instant now) {
    deletedPods.entrySet().removeIf(e -> !cachedPods.contains(e.getKey()) || terminating.contains(e.getKey())
        || e.getValue().plus(DELETE_MEMORY).isBefore(now));
    return Map.copyOf(deletedPods);
  }

  /** A pod whose calls need no counting when it goes: deleted by us at 0, at a deadline, or exited. */
  void accounted(String pod) {
    accounted.add(pod);
  }

  /**
   * The pods that took calls with them since the last pass (see {@link LostCalls}); each is counted
   * once. Call before {@link #lastKnown}, which forgets the pods that are gone.
   */
  List<LostCalls.LostPod> lost(List<PodDepartures.Departure> departed, List<tech.openrtc.operator.pods.PodState> pods) {
    List<LostCalls.LostPod> lost = LostCalls.detect(departed, pods, lastKnownInFlight, accounted);
    lost.forEach(l -> accounted.add(l.pod()));
    Set<String> present = new HashSet<>();
    pods.forEach(p -> present.add(p.name()));
    accounted.retainAll(present);
    return lost;
  }

  /** Folds in this pass's readings; pods that are gone are forgotten. */
  Map<String, Integer> lastKnown(Map<String, InFlight> readings, Set<String> pods) {
    lastKnownInFlight.keySet().retainAll(pods);
    readings.forEach((pod, r) -> {
      if (r.known()) {
        lastKnownInFlight.put(pod, r.count());
      }
    });
    return Map.copyOf(lastKnownInFlight);
  }
}
