package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.Times;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.disruption.DisruptionBudget;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;
import tech.openrtc.operator.pods.PodState;
import tech.openrtc.operator.reconcile.Decision.AuditRecord;
import tech.openrtc.operator.reconcile.Decision.Creation;
import tech.openrtc.operator.reconcile.Decision.Drained;
import tech.openrtc.operator.reconcile.Decision.MetricChanges;
import tech.openrtc.operator.reconcile.Decision.SpecRewrite;

/**
 * Decide: one {@link Decision} from one {@link Snapshot}. Pure: no client, no clock but
 * {@link Snapshot#now()}. The pod rules are {@link RolloutPlanner}'s, the status
 * {@link StatusAggregator}'s; this class adds the rest (commands, rollback, history, membership,
 * audit, metrics) and puts them in one decision.
 */
public final class Decider {

  /** How often a deployment whose LiveKit Secret is missing or unreadable looks again. */
  static final Duration LIVEKIT_SECRET_RETRY = Duration.ofSeconds(30);
  public static final String UNKNOWN_FIELDS = "deployment.unknown_fields";

  private Decider() {}

  public static Decision decide(Snapshot s) {
    List<AuditRecord> audits = new ArrayList<>(unknownFields(s));
    // `kubectl annotate agd/x agents.openrtc.tech/rollback-to=N`: works on an invalid spec too.
    if (s.commands().rollbackTo() != null && !s.deleting()) {
      return rollbackByCommand(s, audits);
    }
    if (!s.valid()) {
      // Bad input changes nothing: no pod is touched. Deleted with a bad spec, there are no drain
      // settings to follow: the pods are left to garbage collection.
      return Decision.statusOnly(s.deleting() ? null : StatusAggregator.invalid(s.resource(), s.specErrors(), s.now()),
          audits, null);
    }
    EffectiveSpec spec = s.spec();
    Observation observed = s.observed();
    AgentDeploymentStatus previous = s.previous();
    boolean aborted = s.commands().aborts(s.target());
    Plan plan = RolloutPlanner.plan(new RolloutPlanner.Input(spec, observed, previous.getTargetRevision(),
        Times.parse(previous.getRolloutStartedAt()), s.readings(), s.lastKnownInFlight(), s.activeTemplate().isPresent(),
        s.commands().promote(), aborted, s.now(), s.deleting(), s.disruptedNodes()));

    Optional<SpecRewrite> autoRollback = autoRollback(s, plan);
    if (autoRollback.isPresent()) {
      return Decision.rewrite(autoRollback.get(), audits);
    }

    String activeVersion = activeVersion(s, plan.activeRevision());
    AgentDeploymentStatus status = StatusAggregator.withLiveKit(
        StatusAggregator.status(s.resource(), spec, s.target(), activeVersion, observed, plan, s.readings(),
            replicaFailure(observed, s.createFailure()), s.lastKnownInFlight(),
            s.lostPods().stream().mapToInt(LostCalls.LostPod::calls).sum(), s.now()),
        s.resource(), spec, s.liveKitSecret(), s.liveKit(), s.disagreements(), s.now());

    boolean newTarget = !s.target().equals(previous.getTargetRevision());
    boolean recordTarget = !s.deleting() && (newTarget || RevisionHistory.find(s.revisions(), s.target()).isEmpty());
    if (recordTarget && newTarget) {
      rolledBack(s).ifPresent(audits::add);
    }
    audits.addAll(transitions(s, previous, status, plan, activeVersion));
    audits.addAll(disagreements(s));
    audits.addAll(drains(s, plan));
    audits.addAll(lost(s));
    List<Drained> drained = new ArrayList<>();
    List<Plan.Delete> deletes = distinctDeletes(plan);
    deletes.forEach(d -> audits.addAll(deleted(s, d, drained)));

    List<String> clear = new ArrayList<>();
    if (s.commands().abortRevision() != null && !aborted && !s.deleting()) {
      clear.add(Names.ANNOTATION_ABORT); // the spec changed since the abort: it no longer applies
    }
    if (s.commands().promote() && (plan.promoted() || !observed.rollingOut()) && !s.deleting()) {
      clear.add(Names.ANNOTATION_PROMOTE);
    }

    Duration requeue = plan.requeueAfter();
    if (s.nextActiveRead() != null) {
      requeue = earlier(requeue, Duration.between(s.now(), s.nextActiveRead()).plusMillis(10));
    }
    if (s.liveKitConfigured() && !s.liveKit().available()) {
      // Secrets are not watched (that would cache every Secret in the cluster): look again soon.
      requeue = earlier(requeue, LIVEKIT_SECRET_RETRY);
    }
    Set<String> deletedNow = deletes.stream().map(d -> d.pod().name()).collect(Collectors.toSet());
    int podsLeft = (int) s.pods().stream().filter(p -> !p.terminating() && !deletedNow.contains(p.name())).count();
    Duration rolloutTook = rolloutCompleted(previous, status, s.now());
    return new Decision(
        null,
        s.leftovers(),
        recordTarget,
        s.deleting() ? List.of() : RevisionHistory.prunable(s.revisions(), keep(s, plan), spec.revisionHistoryLimit()),
        status,
        clear,
        s.deleting() ? null : membership(s, plan, activeVersion),
        s.deleting() ? null : liveRevisions(s, plan, activeVersion),
        spec.agentName() != null ? spec.agentName() : s.name(),
        budget(s, status, podsLeft + plan.creates().stream().mapToInt(Plan.Create::count).sum()),
        creations(s, plan),
        plan,
        audits,
        new MetricChanges(status.getVersions(), rolloutTook, drained, s.lostPods()),
        awaitedPods(observed, plan),
        requeue,
        podsLeft);
  }

  /** Writes the chosen revision back into the spec and clears the command, or rejects it. */
  private static Decision rollbackByCommand(Snapshot s, List<AuditRecord> audits) {
    String value = s.commands().rollbackTo();
    Optional<ControllerRevision> to = s.commands().rollbackToNumber().stream()
        .mapToObj(n -> RevisionHistory.byNumber(s.revisions(), n)).flatMap(Optional::stream).findFirst();
    if (to.isEmpty()) {
      audits.add(new AuditRecord(Recorder.ROLLED_BACK, s.key(), "rejected", null, null, true,
          "Cannot roll back to revision \"" + value + "\": no such revision (see `kubectl agents rollout history`)",
          Recorder.extra("requested", value)));
      return Decision.rejectCommand(Names.ANNOTATION_ROLLBACK_TO, audits);
    }
    return Decision.rewrite(new SpecRewrite(to.get(),
        "requested by annotation " + Names.ANNOTATION_ROLLBACK_TO + "=" + value,
        List.of(Names.ANNOTATION_ROLLBACK_TO)), audits);
  }

  /** On a progress deadline with autoRollback: back to the last revision that was Healthy. */
  private static Optional<SpecRewrite> autoRollback(Snapshot s, Plan plan) {
    EffectiveSpec spec = s.spec();
    String stable = s.previous().getStableRevision();
    if (!plan.progressDeadlineExceeded() || !spec.autoRollback() || !s.observed().rollingOut() || s.deleting()
        || s.target().equals(stable)) {
      return Optional.empty();
    }
    return RevisionHistory.find(s.revisions(), stable).map(cr -> new SpecRewrite(cr,
        "progress deadline exceeded (" + spec.progressDeadlineSeconds() + "s) rolling out version " + spec.version()
            + ": autoRollback", List.of()));
  }

  /** A Warning once per set of spec fields this version does not know. */
  private static List<AuditRecord> unknownFields(Snapshot s) {
    if (s.unknownFields().isEmpty() || s.unknownFields().equals(s.unknownFieldsWarned())) {
      return List.of();
    }
    return List.of(new AuditRecord(UNKNOWN_FIELDS, s.key(), "ignored", null, null, true,
        "Spec fields unknown to this operator version are ignored: " + String.join(", ", s.unknownFields())
            + " (a newer CRD than the operator? upgrade the operator)",
        Recorder.extra("fields", s.unknownFields())));
  }

  /** The spec went back to a revision recorded earlier (an undo, or a version set back by hand). */
  private static Optional<AuditRecord> rolledBack(Snapshot s) {
    Optional<ControllerRevision> existing = RevisionHistory.find(s.revisions(), s.target());
    if (existing.isEmpty() || RevisionHistory.number(existing.get()) == RevisionHistory.maxNumber(s.revisions())) {
      return Optional.empty();
    }
    long was = RevisionHistory.number(existing.get());
    String why = s.rollbackReason();
    return Optional.of(new AuditRecord(Recorder.ROLLED_BACK, s.key(), "ok", s.spec().version(), s.target(), false,
        "Rolling back to revision " + was + " (version " + s.spec().version() + ")" + (why == null ? "" : ": " + why),
        Recorder.extra("toRevisionNumber", was, "reason", why == null ? "spec" : why)));
  }

  private static List<AuditRecord> transitions(Snapshot s, AgentDeploymentStatus previous,
      AgentDeploymentStatus status, Plan plan, String activeVersion) {
    List<AuditRecord> audits = new ArrayList<>();
    EffectiveSpec spec = s.spec();
    if (!s.target().equals(previous.getTargetRevision())) {
      audits.add(new AuditRecord(Recorder.STARTED, s.key(), "ok", spec.version(), s.target(), false,
          "Rollout of version " + spec.version() + " (revision " + s.target() + ") started"
              + (previous.getActiveVersion() != null ? "; active is " + previous.getActiveVersion() : ""),
          Recorder.extra("from", previous.getActiveVersion())));
    }
    if (plan.promoted()) {
      audits.add(new AuditRecord(Recorder.PROMOTED, s.key(), "ok", spec.version(), s.target(), false,
          "Version " + spec.version() + " (revision " + s.target() + ") promoted; "
              + s.observed().activePods().size() + " old pod(s) draining",
          Recorder.extra("from", s.observed().active())));
    }
    if (status.getPhase() == Phase.Healthy && previous.getPhase() != Phase.Healthy) {
      boolean evacuated = previous.getMessage() != null && previous.getMessage().startsWith("Evacuating");
      audits.add(new AuditRecord(Recorder.COMPLETED, s.key(), "ok", status.getActiveVersion(),
          status.getActiveRevision(), false, (evacuated ? "Evacuation complete: " : "Rollout complete: ")
              + status.getMessage(), null));
    }
    return audits;
  }

  private static Duration rolloutCompleted(AgentDeploymentStatus previous, AgentDeploymentStatus status, Instant now) {
    Instant started = Times.parse(previous.getRolloutStartedAt());
    boolean completed = status.getPhase() == Phase.Healthy && previous.getPhase() != Phase.Healthy;
    return completed && started != null && previous.getPhase() != null ? Duration.between(started, now) : null;
  }

  /** A Warning and audit record the first time a disagreement outlasts two polls. */
  private static List<AuditRecord> disagreements(Snapshot s) {
    List<AuditRecord> audits = new ArrayList<>();
    for (SourceDisagreements.Lasting d : s.disagreements()) {
      if (!d.firstReport()) {
        continue;
      }
      PodState pod = s.pods().stream().filter(p -> p.name().equals(d.pod())).findFirst().orElse(null);
      audits.add(new AuditRecord(Recorder.SOURCES_DISAGREE, s.namespace() + "/" + d.pod(), "kept",
          pod == null ? null : pod.version(), pod == null ? null : pod.revision(), true,
          "In-flight sources disagree on pod " + d.pod() + " since " + Times.format(d.since()) + ": " + d.detail()
              + "; the pod is kept until both read 0 or its drain deadline",
          Recorder.extra("pod", d.pod(), "detail", d.detail())));
    }
    return audits;
  }

  /** An audit record for each pod that starts draining now (not for a mark restored). */
  private static List<AuditRecord> drains(Snapshot s, Plan plan) {
    List<AuditRecord> audits = new ArrayList<>();
    for (Plan.Drain drain : plan.drains()) {
      PodState pod = drain.pod();
      if (pod.draining()) {
        continue;
      }
      if (!Objects.equals(pod.controllerUid(), s.uid())) {
        // Not created by this operator (e.g. recreated by hand from an old manifest): a worker
        // that would take calls outside the membership.
        audits.add(new AuditRecord(Recorder.WORKER_REJECTED, podTarget(s, pod), "drained", pod.version(),
            pod.revision(), true, "Pod " + pod.name() + " of version " + pod.version()
                + " is not a member of this deployment (not created by the operator, revision not active): draining it",
            Recorder.extra("pod", pod.name())));
      } else {
        audits.add(new AuditRecord(Recorder.DRAIN_STARTED, podTarget(s, pod), "ok", pod.version(), pod.revision(),
            false, "Draining pod " + pod.name() + " (" + drain.reason() + ", trigger " + s.spec().trigger() + ")",
            pod.node() != null && s.disruptedNodes().containsKey(pod.node())
                ? Recorder.extra("pod", pod.name(), "reason", drain.reason(), "node", pod.node())
                : Recorder.extra("pod", pod.name(), "reason", drain.reason())));
      }
    }
    return audits;
  }

  /**
   * The PodDisruptionBudget: an integer minAvailable at least the pods there will be (see
   * {@link DisruptionBudget}), or none with {@code spec.disruption.budget: false}. A budget of the
   * same name not controlled by this deployment is the user's: left alone. While the deployment is
   * deleted the budget stays as it is, guarding the pods that drain.
   */
  private static Decision.BudgetChange budget(Snapshot s, AgentDeploymentStatus status, int podsAfter) {
    PodDisruptionBudget current = s.budget();
    if (s.deleting() || (current != null && !DisruptionBudget.owns(current, s.uid()))) {
      return null;
    }
    if (!s.spec().disruptionBudget()) {
      return current == null ? null : new Decision.BudgetChange(null, current);
    }
    int min = DisruptionBudget.minAvailable(DisruptionBudget.storedMinAvailable(current), podsAfter,
        status.getPhase() == Phase.Healthy);
    return current != null && DisruptionBudget.upToDate(current, min) ? null
        : new Decision.BudgetChange(DisruptionBudget.build(s.resource(), min), null);
  }

  /** A Warning and audit record for each pod that took calls with it (counted once). */
  private static List<AuditRecord> lost(Snapshot s) {
    List<AuditRecord> audits = new ArrayList<>();
    for (LostCalls.LostPod lost : s.lostPods()) {
      audits.add(new AuditRecord(Recorder.CALLS_CUT, s.namespace() + "/" + lost.pod(), "lost", lost.version(),
          lost.revision(), true, "Pod " + lost.pod() + " went with " + lost.calls() + " call(s) in flight ("
              + lost.how() + "); it was not drained",
          Recorder.extra("pod", lost.pod(), "callsCut", lost.calls(), "reason", lost.reason(), "how", lost.how())));
    }
    return audits;
  }

  /** A pod may be in the plan twice (drained and deleted at once): it is deleted once. */
  private static List<Plan.Delete> distinctDeletes(Plan plan) {
    Map<String, Plan.Delete> byName = new LinkedHashMap<>();
    plan.deletes().forEach(d -> byName.putIfAbsent(d.pod().name(), d));
    return List.copyOf(byName.values());
  }

  private static List<AuditRecord> deleted(Snapshot s, Plan.Delete delete, List<Drained> drained) {
    PodState pod = delete.pod();
    String target = podTarget(s, pod);
    Instant drainStarted = pod.drainStartedAt();
    // A Signal delete starts the drain (SIGTERM): there is no drain to time yet.
    boolean timed = drainStarted != null && delete.reason() != Plan.DeleteReason.SIGNAL;
    drained.add(new Drained(delete.reason().name().toLowerCase(),
        timed ? Duration.between(drainStarted, s.now()) : null, delete.callsCut()));
    return switch (delete.reason()) {
      case DEADLINE -> {
        List<AuditRecord> audits = new ArrayList<>();
        if (delete.callsCut() > 0) {
          audits.add(new AuditRecord(Recorder.CALLS_CUT, target, "cut", pod.version(), pod.revision(), true,
              "Drain deadline passed: deleted pod " + pod.name() + " with " + delete.callsCut()
                  + " call(s) in flight (last reading " + delete.reading() + ")",
              Recorder.extra("pod", pod.name(), "callsCut", delete.callsCut())));
        }
        audits.add(new AuditRecord(Recorder.POD_DRAINED, target, "deadline", pod.version(), pod.revision(),
            delete.callsCut() > 0, "Deleted pod " + pod.name() + " at its drain deadline",
            Recorder.extra("pod", pod.name(), "callsCut", delete.callsCut())));
        yield audits;
      }
      case SIGNAL -> List.of(new AuditRecord(Recorder.POD_DRAINED, target, "signaled", pod.version(), pod.revision(),
          false, "Deleted pod " + pod.name() + " with a grace period of " + delete.gracePeriodSeconds()
              + "s: SIGTERM starts its drain",
          Recorder.extra("pod", pod.name(), "gracePeriodSeconds", delete.gracePeriodSeconds())));
      case DRAINED, EXITED -> List.of(new AuditRecord(Recorder.POD_DRAINED, target, "ok", pod.version(),
          pod.revision(), false, "Deleted pod " + pod.name() + (delete.reason() == Plan.DeleteReason.DRAINED
              ? ": 0 calls in flight" : ": its worker has exited"),
          Recorder.extra("pod", pod.name(), "reason", delete.reason().name().toLowerCase())));
    };
  }

  private static List<Creation> creations(Snapshot s, Plan plan) {
    List<Creation> creations = new ArrayList<>();
    for (Plan.Create create : plan.creates()) {
      RevisionTemplate template = create.revision().equals(s.target()) ? s.targetTemplate()
          : s.activeTemplate().orElse(null);
      if (template != null) {
        String role = create.revision().equals(plan.activeRevision()) ? Names.ROLE_ACTIVE : Names.ROLE_PREVIEW;
        creations.add(new Creation(template, role, create.count()));
      }
    }
    return creations;
  }

  /** Revision records never pruned: the target, the active one, and every one with pods. */
  private static Set<String> keep(Snapshot s, Plan plan) {
    Set<String> keep = new HashSet<>();
    keep.add(s.target());
    keep.add(plan.activeRevision());
    s.pods().forEach(p -> keep.add(p.revision()));
    return keep;
  }

  /** Every revision that has or will have pods, with its version: each gets a credential. */
  private static Map<String, String> liveRevisions(Snapshot s, Plan plan, String activeVersion) {
    Map<String, String> live = new TreeMap<>();
    live.put(s.target(), s.spec().version());
    if (plan.activeRevision() != null && activeVersion != null) {
      live.put(plan.activeRevision(), activeVersion);
    }
    s.pods().forEach(p -> {
      if (p.revision() != null && p.version() != null) {
        live.putIfAbsent(p.revision(), p.version());
      }
    });
    return live;
  }

  /**
   * Active version and revision, and the draining ones (with those handing over: a worker of theirs
   * that restarts must not take calls); the JWKS is added when it is written.
   */
  private static Membership membership(Snapshot s, Plan plan, String activeVersion) {
    Set<Membership.Member> draining = new TreeSet<>(Comparator.comparing(Membership.Member::revision));
    Stream.concat(plan.drainingAfter(s.observed()).stream(), plan.handingOver().stream())
        .filter(p -> p.revision() != null && !p.revision().equals(plan.activeRevision()))
        .forEach(p -> draining.add(new Membership.Member(p.version(), p.revision())));
    return new Membership(activeVersion, plan.activeRevision(), List.copyOf(draining), null);
  }

  /** Only a deployment with pods to delete has a reason to look again when a call ends. */
  private static Set<String> awaitedPods(Observation observed, Plan plan) {
    return plan.drainingAfter(observed).stream().map(PodState::name).collect(Collectors.toSet());
  }

  private static String replicaFailure(Observation observed, String createFailure) {
    List<String> problems = new ArrayList<>();
    if (createFailure != null) {
      problems.add(createFailure);
    }
    if (!observed.exitedPods().isEmpty()) {
      problems.add(observed.exitedPods().size() + " worker pod(s) exited: "
          + observed.exitedPods().stream().map(PodState::name).sorted().collect(Collectors.joining(", ")));
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  private static String activeVersion(Snapshot s, String activeRevision) {
    AgentDeploymentStatus previous = s.previous();
    if (Objects.equals(activeRevision, s.target())) {
      return s.spec().version();
    }
    if (Objects.equals(activeRevision, previous.getActiveRevision()) && previous.getActiveVersion() != null) {
      return previous.getActiveVersion();
    }
    return s.activeTemplate().map(RevisionTemplate::version)
        .or(() -> s.observed().activePods().stream().map(PodState::version).filter(Objects::nonNull).findFirst())
        .orElse(null);
  }

  static Duration earlier(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }

  private static String podTarget(Snapshot s, PodState pod) {
    return s.namespace() + "/" + pod.name();
  }
}
