package tech.openrtc.operator.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.reconcile.RolloutPlanner;
import tech.openrtc.operator.sim.CallLedger;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimKubelet;

/**
 * Times of a rollout taken from the API server's request log (arrival times), the call ledger and
 * the bench's watch: per deleted old pod, its drain mark, its last call's end and its DELETE; per
 * deployment, the stretches its rollout is made of.
 *
 * <p>Per deployment, in order: its version patch; the operator's first status write after it; the
 * last simulated-kubelet status write of one of its pods before promotion (the operator promotes
 * only once every new pod is Ready, so that write is the one that made the last new pod Ready);
 * the operator's first patch of a new pod (promotion: role=active); the first drain mark of an old
 * pod, {@link RolloutPlanner#ROLE_SETTLE} later by design (the new workers must see their role
 * before the old ones stop taking calls); the last DELETE of an old pod; the kubelet removing the last old pod's
 * finalizer (the pod is gone); the operator's last status write before the bench saw Healthy; and
 * the bench seeing it.
 */
final class RolloutAnalysis {

  static final String OPERATOR_SEES_BUMP = "version patch -> operator's first status write";
  static final String PODS_START = "-> last new pod Ready (operator creates, sim starts: start-up delay + kubelet)";
  static final String OPERATOR_PROMOTES = "-> promotion (operator patches the new pods role=active)";
  static final String HAND_OVER = "-> first drain mark (hand-over: new workers see their role, "
      + RolloutPlanner.ROLE_SETTLE.toSeconds() + " s by design)";
  static final String CALLS_DRAIN = "-> last old pod DELETE (drained calls, settle, drain reaction)";
  static final String PODS_GO = "-> last old pod gone (sim: SIGTERM, finalizer removed)";
  static final String OPERATOR_SEES_GONE = "-> operator's Healthy status write";
  static final String WATCH = "-> bench's watch sees Healthy";

  final List<Duration> reaction = new ArrayList<>();
  final List<Duration> idleWait = new ArrayList<>();
  /**
   * The same, for pods whose last call ended after the settle time (a 0 read sooner must wait for
   * it, by design): what the poll or the event path alone takes.
   */
  final List<Duration> reactionAfterSettle = new ArrayList<>();
  /** Annotation source: from the worker's last in-flight annotation write to the DELETE. */
  final List<Duration> annotationReaction = new ArrayList<>();
  final List<Duration> rollout = new ArrayList<>();
  final List<Duration> overhead = new ArrayList<>();
  /** The operator's own stretches summed: first status write, promotion, Healthy write (not the designed hand-over). */
  final List<Duration> operatorReaction = new ArrayList<>();
  final Map<String, List<Duration>> stretches = new LinkedHashMap<>();
  long replaced;
  long withoutMark;
  long withLiveCalls;
  /** Deployments whose points came out of order (a request or watch event delivered very late). */
  long outOfOrder;

  /** Per deployment name: the first or last time of something, as the request log shows it. */
  private final Map<String, Instant> firstStatusWrite = new HashMap<>();
  private final Map<String, Instant> firstDrainMark = new HashMap<>();
  private final Map<String, Instant> promotion = new HashMap<>();
  private final Map<String, Instant> lastDelete = new HashMap<>();
  private final Map<String, Instant> lastCallEnd = new HashMap<>();
  private final Map<String, Instant> lastGone = new HashMap<>();
  private final Map<String, Instant> lastReady = new HashMap<>();
  private final Map<String, Instant> healthyWrite = new HashMap<>();
  private Duration settle;

  static RolloutAnalysis of(List<RecordedCall> requests, List<PodDeletion> deletions, CallLedger ledger,
      Map<String, Instant> bumpedAt, Map<String, Instant> healthyAt, Duration startup, Duration settle) {
    RolloutAnalysis a = new RolloutAnalysis();
    a.settle = settle;
    List.of(OPERATOR_SEES_BUMP, PODS_START, OPERATOR_PROMOTES, HAND_OVER, CALLS_DRAIN, PODS_GO, OPERATOR_SEES_GONE, WATCH)
        .forEach(s -> a.stretches.put(s, new ArrayList<>()));
    Map<String, Instant> deletedAt = new HashMap<>();
    for (PodDeletion d : deletions) {
      if (!d.repeat() && deletedAt.putIfAbsent(d.name(), d.at()) == null && d.liveCallsAtRequest() > 0) {
        a.withLiveCalls++;
      }
    }
    Map<String, Instant> drainMark = new HashMap<>();
    Map<String, Instant> lastWorkerWrite = new HashMap<>();
    for (RecordedCall c : requests) {
      boolean podPatch = c.verb().equals("patch") && c.resource().equals("pods") && c.subresource() == null;
      // The operator patches an old pod once, its drain mark, and a new pod once, its promotion
      // (PodActions); a worker patches its in-flight count.
      if (podPatch && isOperator(c)) {
        drainMark.putIfAbsent(c.name(), c.at());
        if (!deletedAt.containsKey(c.name())) {
          a.promotion.merge(deploymentOf(c.name()), c.at(), RolloutAnalysis::earlier);
        }
      } else if (podPatch && c.userAgentStartsWith(SimCluster.WORKER_USER_AGENT) && deletedAt.containsKey(c.name())
          && c.at().isBefore(deletedAt.get(c.name()))) {
        lastWorkerWrite.put(c.name(), c.at());
      }
    }
    a.replaced = deletedAt.size();
    deletedAt.forEach((pod, deleted) -> a.oldPod(pod, deleted, drainMark.get(pod), lastWorkerWrite.get(pod), ledger));
    a.marks(requests, bumpedAt, healthyAt, deletedAt);
    healthyAt.forEach((name, healthy) -> a.deployment(name, bumpedAt.get(name), healthy, startup));
    return a;
  }

  private void oldPod(String pod, Instant deleted, Instant marked, Instant workerWrote, CallLedger ledger) {
    if (marked == null) {
      withoutMark++;
      return;
    }
    String deployment = deploymentOf(pod);
    firstDrainMark.merge(deployment, marked, RolloutAnalysis::earlier);
    lastDelete.merge(deployment, deleted, RolloutAnalysis::later);
    Instant end = ledger.lastCallEndOnPod(BenchRun.NAMESPACE, pod).orElse(null);
    if (end != null && end.isAfter(marked)) {
      reaction.add(Duration.between(end, deleted));
      if (!end.isBefore(marked.plus(settle))) {
        reactionAfterSettle.add(Duration.between(end, deleted));
      }
      lastCallEnd.merge(deployment, end, RolloutAnalysis::later);
      if (workerWrote != null && workerWrote.isAfter(end)) {
        annotationReaction.add(Duration.between(workerWrote, deleted));
      }
    } else {
      // Idle when its drain began: it waits the settle time by design.
      idleWait.add(Duration.between(marked, deleted));
    }
  }

  /** The other points of each deployment's rollout, in one pass over the request log. */
  private void marks(List<RecordedCall> requests, Map<String, Instant> bumpedAt, Map<String, Instant> healthyAt,
      Map<String, Instant> deletedAt) {
    for (RecordedCall c : requests) {
      String name = c.name();
      if (isOperator(c) && isStatusWrite(c) && bumpedAt.containsKey(name)) {
        if (!c.at().isBefore(bumpedAt.get(name))) {
          firstStatusWrite.putIfAbsent(name, c.at());
        }
        if (healthyAt.containsKey(name) && !c.at().isAfter(healthyAt.get(name))) {
          healthyWrite.put(name, c.at());
        }
      }
      if (!c.userAgentStartsWith(SimKubelet.USER_AGENT) || !c.resource().equals("pods") || name == null) {
        continue;
      }
      String deployment = deploymentOf(name);
      Instant marked = firstDrainMark.get(deployment);
      if ("status".equals(c.subresource()) && marked != null && c.at().isBefore(marked)) {
        lastReady.put(deployment, c.at());
      }
      // After its DELETE the kubelet's only write to an old pod is removing its finalizer.
      Instant deleted = deletedAt.get(name);
      if (deleted != null && c.verb().equals("patch") && c.subresource() == null && c.at().isAfter(deleted)) {
        lastGone.merge(deployment, c.at(), RolloutAnalysis::later);
      }
    }
  }

  private void deployment(String name, Instant bumped, Instant healthy, Duration startup) {
    Duration took = Duration.between(bumped, healthy);
    rollout.add(took);
    Instant marked = firstDrainMark.get(name);
    Instant end = lastCallEnd.get(name);
    // Calls run on while the new pods start: only what is left of them once the drain began
    // adds to the rollout.
    Duration drainedCall = marked == null || end == null ? Duration.ZERO : Duration.between(marked, end);
    overhead.add(took.minus(startup).minus(drainedCall));

    Instant seen = firstStatusWrite.get(name);
    Instant ready = lastReady.get(name);
    Instant promoted = promotion.get(name);
    List<Instant> points = java.util.Arrays.asList(bumped, seen, ready, promoted, marked, lastDelete.get(name),
        lastGone.get(name), healthyWrite.get(name), healthy);
    if (points.contains(null)) {
      return; // e.g. no old pod (nothing to drain): no stretches for this one
    }
    for (int i = 1; i < points.size(); i++) {
      if (points.get(i).isBefore(points.get(i - 1))) {
        outOfOrder++;
        return;
      }
    }
    List<String> names = List.copyOf(stretches.keySet());
    for (int i = 0; i < names.size(); i++) {
      stretches.get(names.get(i)).add(Duration.between(points.get(i), points.get(i + 1)));
    }
    operatorReaction.add(Duration.between(bumped, seen).plus(Duration.between(ready, promoted))
        .plus(Duration.between(lastGone.get(name), healthyWrite.get(name))));
  }

  private static boolean isOperator(RecordedCall c) {
    return c.userAgentStartsWith(RunCommand.USER_AGENT);
  }

  private static boolean isStatusWrite(RecordedCall c) {
    return c.verb().equals("patch") && c.resource().equals("agentdeployments") && "status".equals(c.subresource());
  }

  /** "bench-0001-1a2b3c4d-x7k2p" belongs to "bench-0001": a pod is named deployment-revision-random. */
  static String deploymentOf(String pod) {
    if (pod == null || pod.chars().filter(ch -> ch == '-').count() < 2) {
      return null;
    }
    String withoutRandom = pod.substring(0, pod.lastIndexOf('-'));
    return withoutRandom.substring(0, withoutRandom.lastIndexOf('-'));
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
