package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.pods.PodState;
import tech.openrtc.operator.reconcile.Plan.DeleteReason;

/**
 * Decides one reconcile step of a blue-green, drain-only rollout. Pure: no client, no clock.
 *
 * <p>Rules (DESIGN.md "Rollout" and "Draining"): the new revision starts beside the active one;
 * it is promoted only when {@code replicas} of its pods have been Ready for minReadySeconds
 * (capacity first); then every older pod drains, and a draining pod is deleted only when it reads
 * 0 calls, has exited, or its deadline passed with onTimeout Terminate.
 */
public final class RolloutPlanner {

  /**
   * How long a worker is given to see a change of its pod in its podinfo files: a promoted worker
   * its {@code role=active} before the workers it replaces are marked, a draining worker its drain
   * mark before a 0 it reports counts. A kubelet rewrites downward-API files within seconds of a
   * pod update (a pod update triggers a pod sync), not within a fixed second.
   */
  public static final Duration ROLE_SETTLE = Duration.ofSeconds(3);

  public record Input(
      EffectiveSpec spec,
      Observation observed,
      String recordedTarget,
      Instant recordedRolloutStart,
      Map<String, InFlight> readings,
      Map<String, Integer> lastKnownInFlight,
      boolean activeTemplateKnown,
      boolean promoteRequested,
      boolean aborted,
      Instant now,
      boolean deleting,
      Map<String, String> disruptedNodes) {

    public Input(EffectiveSpec spec, Observation observed, String recordedTarget, Instant recordedRolloutStart,
        Map<String, InFlight> readings, Map<String, Integer> lastKnownInFlight, boolean activeTemplateKnown,
        boolean promoteRequested, boolean aborted, Instant now) {
      this(spec, observed, recordedTarget, recordedRolloutStart, readings, lastKnownInFlight, activeTemplateKnown,
          promoteRequested, aborted, now, false, Map.of());
    }

    /** The pod sits on a node being taken away (cordoned, or tainted for removal). */
    boolean leaving(PodState pod) {
      return pod.node() != null && disruptedNodes.containsKey(pod.node());
    }

    String evacuation(PodState pod) {
      return "evacuating node " + pod.node() + " (" + disruptedNodes.get(pod.node()) + ")";
    }
  }

  private RolloutPlanner() {}

  public static Plan plan(Input in) {
    EffectiveSpec spec = in.spec();
    Observation obs = in.observed();
    Plan plan = new Plan();
    plan.activeRevision = obs.active();
    if (in.deleting()) {
      return planDeletion(in, plan);
    }
    int replicas = spec.replicas();

    // Pods of revisions that are neither active nor the target (an older preview, a stray pod, the
    // old active revision after a promotion).
    handOver(in, plan, obs.supersededPods());
    // Exited pods hold no call; they are replaced below because they no longer count.
    obs.exitedPods().forEach(p -> plan.deletes.add(
        new Plan.Delete(p, null, DeleteReason.EXITED, 0, null)));

    // The active revision: the operator is its ReplicaSet, during a rollout too (capacity). Pods
    // on a node being taken away do not count: they are replaced first, then drained (evacuate).
    List<PodState> leaving = obs.activePods().stream().filter(in::leaving).toList();
    List<PodState> staying = new ArrayList<>(obs.activePods());
    staying.removeAll(leaving);
    boolean canCreateActive = !obs.rollingOut() || in.activeTemplateKnown();
    if (staying.size() < replicas && canCreateActive) {
      plan.creates.add(new Plan.Create(obs.active(), replicas - staying.size()));
    } else if (staying.size() > replicas) {
      List<PodState> extra = surplus(staying, staying.size() - replicas, in.readings());
      extra.forEach(p -> plan.drains.add(new Plan.Drain(p, "scale-down")));
      staying.removeAll(extra);
    }
    evacuate(in, plan, staying, leaving);

    if (obs.rollingOut() && in.aborted()) {
      // `rollout abort`: the preview goes like a superseded one; the active revision stays.
      obs.previewPods().forEach(p -> plan.drains.add(new Plan.Drain(p, "rollout aborted")));
    } else if (obs.rollingOut() && !spec.paused()) {
      planPreview(in, plan);
    }

    planRoles(in, plan);
    planDraining(in, plan);
    decidePhase(in, plan);
    return plan;
  }

  /**
   * The AgentDeployment is being deleted: every pod drains as in a rollout (no call is cut for a
   * delete), nothing is created, and the finalizer goes once no pod is left to wait for.
   */
  private static Plan planDeletion(Input in, Plan plan) {
    Observation obs = in.observed();
    obs.exitedPods().forEach(p -> plan.deletes.add(new Plan.Delete(p, null, DeleteReason.EXITED, 0, null)));
    for (List<PodState> group : List.of(obs.activePods(), obs.previewPods(), obs.supersededPods())) {
      group.forEach(p -> plan.drains.add(new Plan.Drain(p, "AgentDeployment deleted")));
    }
    planDraining(in, plan);
    plan.rolloutStartedAt = in.recordedRolloutStart();
    int left = obs.all().size() - obs.exitedPods().size();
    if (!plan.stalled.isEmpty()) {
      plan.phase = Phase.Degraded;
      plan.message = "Deleting: drain deadline passed for " + names(plan.stalled)
          + " with calls in flight (onTimeout: Wait); the AgentDeployment stays until they are gone";
    } else {
      plan.phase = Phase.Draining;
      plan.message = "Deleting: " + left + " worker" + (left == 1 ? "" : "s")
          + " draining; the AgentDeployment goes when they are gone";
    }
    return plan;
  }

  /**
   * Capacity first, as in a rollout: a pod on a node being taken away is drained only while the
   * ready pods that remain still number {@code replicas}, so its replacement (created beyond
   * replicas) is Ready first. A pod that is not ready takes no call and goes at once; of the ready
   * ones, the fewest calls go first (their drains end soonest).
   */
  private static void evacuate(Input in, Plan plan, List<PodState> staying, List<PodState> leaving) {
    if (leaving.isEmpty()) {
      return;
    }
    EffectiveSpec spec = in.spec();
    long readyStaying = staying.stream().filter(p -> p.available(spec.minReadySeconds(), in.now())).count();
    List<PodState> readyLeaving = leaving.stream().filter(PodState::ready).toList();
    leaving.stream().filter(p -> !p.ready()).forEach(p -> plan.drains.add(new Plan.Drain(p, in.evacuation(p))));
    long canGo = Math.max(0, readyStaying + readyLeaving.size() - spec.replicas());
    List<PodState> order = surplus(readyLeaving, readyLeaving.size(), in.readings());
    for (int i = 0; i < order.size(); i++) {
      if (i < canGo) {
        plan.drains.add(new Plan.Drain(order.get(i), in.evacuation(order.get(i))));
      } else {
        plan.evacuating.add(order.get(i));
      }
    }
    // A replacement turning Ready brings a pass; minReadySeconds does not.
    staying.stream()
        .filter(p -> p.ready() && p.readySince() != null && !p.available(spec.minReadySeconds(), in.now()))
        .map(p -> Duration.between(in.now(), p.readySince().plusSeconds(spec.minReadySeconds())))
        .forEach(d -> plan.requeueWithin(d.plusMillis(50)));
  }

  private static void planPreview(Input in, Plan plan) {
    EffectiveSpec spec = in.spec();
    Observation obs = in.observed();
    int replicas = spec.replicas();
    List<PodState> preview = new ArrayList<>(obs.previewPods());
    // A new pod on a node being taken away holds no call: it goes, and another starts elsewhere.
    preview.stream().filter(in::leaving).forEach(p -> plan.drains.add(new Plan.Drain(p, in.evacuation(p))));
    preview.removeIf(in::leaving);
    if (preview.size() < replicas) {
      plan.creates.add(new Plan.Create(obs.target(), replicas - preview.size()));
    } else if (preview.size() > replicas) {
      List<PodState> extra = surplus(preview, preview.size() - replicas, in.readings());
      extra.forEach(p -> plan.drains.add(new Plan.Drain(p, "scale-down")));
      preview.removeAll(extra);
    }
    long available = preview.stream().filter(p -> p.available(spec.minReadySeconds(), in.now())).count();
    if (available >= replicas) {
      if (spec.autoPromote() || in.promoteRequested()) {
        promote(plan, obs);
      } else {
        plan.awaitingPromotion = true;
      }
      return;
    }
    // Ready but not yet for minReadySeconds: look again when the first one qualifies.
    preview.stream()
        .filter(p -> p.ready() && p.readySince() != null)
        .map(p -> Duration.between(in.now(), p.readySince().plusSeconds(spec.minReadySeconds())))
        .filter(d -> !d.isNegative())
        .min(Comparator.naturalOrder())
        .ifPresent(d -> plan.requeueWithin(d.plusMillis(50)));
  }

  /**
   * Promotion: the preview pods are patched to {@code role=active} (by {@link #planRoles}). The old
   * active pods are no longer replaced, and keep serving until the new ones have had
   * {@link #ROLE_SETTLE} to see their role: they are drained in a later pass ({@link #handOver}),
   * so accepting workers never fall below {@code replicas} however the kubelets time the two
   * changes.
   */
  private static void promote(Plan plan, Observation obs) {
    plan.promoted = true;
    plan.activeRevision = obs.target();
    plan.creates.removeIf(c -> c.revision().equals(obs.active()));
    plan.drains.removeIf(d -> obs.activePods().contains(d.pod()));
    plan.evacuating.clear();
    plan.handingOver.addAll(obs.activePods());
    plan.requeueWithin(ROLE_SETTLE);
  }

  /**
   * Pods of other revisions drain, except those whose workers may be taking calls as active ones
   * while fewer than {@code replicas} workers of the active revision are ready and have seen their
   * role: those keep serving until then (capacity first across propagation delays).
   */
  private static void handOver(Input in, Plan plan, List<PodState> others) {
    List<PodState> active = in.observed().activePods();
    long settled = active.stream().filter(p -> p.ready() && p.activeSettled(in.now(), ROLE_SETTLE)).count();
    boolean handedOver = settled >= in.spec().replicas();
    for (PodState p : others) {
      if (p.roleActive() && !handedOver) {
        plan.handingOver.add(p);
      } else {
        plan.drains.add(new Plan.Drain(p, p.roleActive() ? "replaced by revision " + in.observed().active()
            : "superseded"));
      }
    }
    if (!plan.handingOver.isEmpty()) {
      // Look again when the next promoted pod has settled; readiness changes bring a pass anyway.
      active.stream().map(PodState::promotedAt).filter(java.util.Objects::nonNull)
          .map(t -> Duration.between(in.now(), t.plus(ROLE_SETTLE)))
          .filter(d -> !d.isNegative() && !d.isZero())
          .forEach(plan::requeueWithin);
      plan.requeueWithin(in.spec().poll());
    }
  }

  /**
   * Every pod of the active revision that is not draining is labelled {@code role=active}: the
   * preview at promotion, and any pod whose label is missing or wrong (created by an older
   * operator, or changed by hand).
   */
  private static void planRoles(Input in, Plan plan) {
    Observation obs = in.observed();
    Set<PodState> drainingNow = plan.drainedNow();
    List<PodState> active = plan.promoted ? obs.previewPods() : obs.activePods();
    active.stream()
        .filter(p -> !drainingNow.contains(p) && !Names.ROLE_ACTIVE.equals(p.role()))
        .forEach(plan.promotes::add);
  }

  private static void planDraining(Input in, Plan plan) {
    EffectiveSpec spec = in.spec();
    Instant now = in.now();
    Duration settle = spec.drainSettle();

    for (Plan.Drain d : List.copyOf(plan.drains)) {
      if (spec.trigger() == DrainTrigger.Signal) {
        plan.deletes.add(new Plan.Delete(d.pod(), (long) spec.timeoutSeconds(), DeleteReason.SIGNAL, 0, null));
      } else {
        plan.requeueWithin(settle);
      }
    }

    for (PodState pod : in.observed().drainingPods()) {
      if (!pod.fullyMarked()) {
        plan.drains.add(new Plan.Drain(pod, "restore drain mark"));
      }
      if (spec.trigger() == DrainTrigger.Signal) {
        // Recovery: marked but not yet deleted when the last operator stopped.
        plan.deletes.add(new Plan.Delete(pod, (long) spec.timeoutSeconds(), DeleteReason.SIGNAL, 0, null));
        continue;
      }
      if (pod.exited()) {
        plan.deletes.add(new Plan.Delete(pod, null, DeleteReason.EXITED, 0, null));
        continue;
      }
      InFlight reading = in.readings().getOrDefault(pod.name(), InFlight.unknown("not probed"));
      Instant started = pod.drainStartedAt() != null ? pod.drainStartedAt() : now;
      Instant deadline = pod.drainDeadline() != null ? pod.drainDeadline() : started.plus(spec.drainTimeout());
      boolean settled = !now.isBefore(started.plus(settle));
      if (reading.zero() && settled) {
        plan.deletes.add(new Plan.Delete(pod, null, DeleteReason.DRAINED, 0, reading));
      } else if (!now.isBefore(deadline)) {
        if (spec.onTimeout() == OnTimeout.Terminate) {
          int cut = reading.known() ? reading.count() : in.lastKnownInFlight().getOrDefault(pod.name(), 0);
          plan.deletes.add(new Plan.Delete(pod, null, DeleteReason.DEADLINE, cut, reading));
        } else {
          plan.stalled.add(pod);
          plan.requeueWithin(spec.poll());
        }
      } else {
        plan.requeueWithin(reading.zero() ? Duration.between(now, started.plus(settle)) : spec.poll());
        plan.requeueWithin(Duration.between(now, deadline));
      }
    }
    // Terminating pods: keep reporting their count until they are gone (Signal trigger).
    if (!in.observed().terminatingPods().isEmpty()) {
      plan.requeueWithin(spec.poll());
    }
  }

  /** Scale-down victims: not-ready pods first, then the fewest calls (unknown last), newest first. */
  static List<PodState> surplus(List<PodState> pods, int count, Map<String, InFlight> readings) {
    Comparator<PodState> order = Comparator
        .comparing((PodState p) -> p.ready())
        .thenComparingInt(p -> {
          InFlight r = readings.get(p.name());
          return r != null && r.known() ? r.count() : Integer.MAX_VALUE;
        })
        .thenComparing(PodState::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
        .thenComparing(PodState::name);
    return pods.stream().sorted(order).limit(count).collect(Collectors.toList());
  }

  private static void decidePhase(Input in, Plan plan) {
    EffectiveSpec spec = in.spec();
    Observation obs = in.observed();
    Instant now = in.now();
    boolean rollingOut = obs.rollingOut() && !plan.promoted && !in.aborted();

    Set<PodState> drainingNow = plan.drainedNow();
    long activeReady = (plan.promoted ? obs.previewPods() : obs.activePods()).stream()
        .filter(p -> !drainingNow.contains(p) && p.ready()).count();
    obs.all().stream().filter(in::leaving)
        .forEach(p -> plan.evacuatingNodes.put(p.node(), in.disruptedNodes().get(p.node())));
    boolean drainsLeft = !obs.drainingPods().isEmpty() || !obs.terminatingPods().isEmpty()
        || !drainingNow.isEmpty() || !obs.supersededPods().isEmpty() || !plan.handingOver.isEmpty()
        || !plan.evacuating.isEmpty();
    boolean capacityShort = activeReady < spec.replicas()
        || plan.creates.stream().anyMatch(c -> c.revision().equals(plan.activeRevision));
    boolean progressing = (rollingOut && !plan.awaitingPromotion) || (!rollingOut && capacityShort);

    // The progress clock starts with each new target revision, or when capacity is short again.
    Instant started = in.recordedRolloutStart();
    if (!obs.target().equals(in.recordedTarget())) {
      started = now;
    } else if (started == null && progressing) {
      started = now;
    } else if (!progressing && !rollingOut) {
      started = null;
    }
    if (spec.paused()) {
      started = null;
    }
    plan.rolloutStartedAt = started;
    if (progressing && started != null) {
      Instant deadline = started.plusSeconds(spec.progressDeadlineSeconds());
      if (!now.isBefore(deadline)) {
        plan.progressDeadlineExceeded = true;
      } else {
        plan.requeueWithin(Duration.between(now, deadline));
      }
    }

    long previewReady = obs.previewPods().stream().filter(PodState::ready).count();
    Set<PodState> drainingAll = plan.drainingAfter(obs);
    int drainingCount = drainingAll.size();
    int calls = drainingAll.stream()
        .map(p -> in.readings().get(p.name()))
        .filter(r -> r != null && r.known())
        .mapToInt(InFlight::count)
        .sum();
    if (obs.rollingOut() && in.aborted()) {
      plan.phase = Phase.Aborted;
      plan.message = "Rollout of version " + spec.version() + " aborted; the active version stays."
          + " Change the spec to roll out again" + (drainingCount > 0 ? " (" + drainingCount + " workers draining, "
          + calls + " calls in flight)" : "");
    } else if (spec.paused()) {
      plan.phase = Phase.Paused;
      plan.message = "Paused: " + (rollingOut
          ? previewReady + " of " + spec.replicas() + " new workers ready; resume to continue"
          : "no rollout in progress");
    } else if (!plan.stalled.isEmpty()) {
      plan.phase = Phase.Degraded;
      plan.message = "Drain deadline passed for " + names(plan.stalled)
          + " with calls in flight (onTimeout: Wait)";
    } else if (plan.progressDeadlineExceeded) {
      plan.phase = Phase.Degraded;
      plan.message = "Progress deadline exceeded: " + (rollingOut ? previewReady : activeReady) + " of "
          + spec.replicas() + (rollingOut ? " new" : "") + " workers ready after "
          + spec.progressDeadlineSeconds() + "s";
    } else if (rollingOut && plan.awaitingPromotion) {
      plan.phase = Phase.AwaitingPromotion;
      plan.message = previewReady + " of " + spec.replicas() + " new workers ready; waiting for promotion";
    } else if (rollingOut) {
      plan.phase = Phase.Progressing;
      plan.message = "Waiting for rollout to finish: " + previewReady + " of " + spec.replicas()
          + " new workers ready";
    } else if (drainsLeft) {
      plan.phase = Phase.Draining;
      int handing = plan.handingOver.size();
      int waiting = plan.evacuating.size();
      plan.message = evacuationNote(plan)
          + (waiting > 0 ? waiting + " worker" + (waiting == 1 ? "" : "s") + " serving until a replacement is ready, " : "")
          + (handing > 0 ? handing + " old worker" + (handing == 1 ? "" : "s")
          + " serving until the new ones have taken over, " : "")
          + drainingCount + " old worker" + (drainingCount == 1 ? "" : "s") + " draining, "
          + calls + " call" + (calls == 1 ? "" : "s") + " in flight";
    } else if (capacityShort
        || (plan.promoted ? obs.previewPods() : obs.activePods()).size() != spec.replicas()) {
      plan.phase = obs.all().isEmpty() && spec.replicas() > 0 ? Phase.Pending : Phase.Progressing;
      plan.message = "Waiting for rollout to finish: " + activeReady + " of " + spec.replicas()
          + " workers ready";
    } else {
      plan.phase = Phase.Healthy;
      plan.message = activeReady + " of " + spec.replicas() + " workers ready";
    }
  }

  /** "Evacuating node n1 (cordoned): " while any pod sits on a node being taken away. */
  private static String evacuationNote(Plan plan) {
    if (plan.evacuatingNodes.isEmpty()) {
      return "";
    }
    return "Evacuating node" + (plan.evacuatingNodes.size() == 1 ? " " : "s ") + plan.evacuatingNodes.entrySet().stream()
        .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")) + ": ";
  }

  private static String names(List<PodState> pods) {
    return pods.stream().map(PodState::name).sorted().collect(Collectors.joining(", "));
  }
}
