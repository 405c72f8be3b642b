package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.drain.InFlightSource;
import tech.openrtc.operator.api.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.pods.PodState;

/** Builds the status a reconcile reports: the observed pods as they stand once the plan is carried out. */
public final class StatusAggregator {

  private StatusAggregator() {}

  public static AgentDeploymentStatus status(
      AgentDeployment resource,
      EffectiveSpec spec,
      String targetRevision,
      String activeVersion,
      Observation obs,
      Plan plan,
      Map<String, InFlight> readings,
      String replicaFailure,
      Map<String, Integer> lastKnown,
      int callsLost,
      Instant now) {
    AgentDeploymentStatus previous = Objects.requireNonNullElseGet(resource.getStatus(), AgentDeploymentStatus::new);
    AgentDeploymentStatus s = new AgentDeploymentStatus();
    s.setObservedGeneration(resource.getMetadata().getGeneration());
    s.setPhase(plan.phase());
    s.setMessage(plan.message());
    s.setActiveRevision(plan.activeRevision());
    s.setActiveVersion(activeVersion);
    s.setTargetVersion(spec.version());
    s.setTargetRevision(targetRevision);
    s.setRolloutStartedAt(Times.format(plan.rolloutStartedAt()));
    s.setStableRevision(plan.phase() == Phase.Healthy ? plan.activeRevision() : previous.getStableRevision());

    Set<PodState> newlyDraining = plan.drainedNow();
    List<PodState> active = new ArrayList<>(plan.promoted() ? obs.previewPods() : obs.activePods());
    active.removeIf(newlyDraining::contains);
    List<PodState> preview = new ArrayList<>(plan.promoted() ? List.of() : obs.previewPods());
    preview.removeIf(newlyDraining::contains);
    Set<PodState> draining = plan.drainingAfter(obs);

    int activeReady = (int) active.stream().filter(PodState::ready).count();
    s.setReplicas(active.size());
    s.setReadyReplicas(activeReady);
    s.setDrainingReplicas(draining.size());
    s.setDrainingCalls(sumKnown(draining, readings));
    long cut = plan.deletes().stream().mapToLong(Plan.Delete::callsCut).sum() + callsLost;
    // Absent until the first call is cut, so a deployment that never cut one shows nothing.
    // Both branches Long: a mixed Long/long conditional unboxes the absent previous value (NPE).
    Long previousCut = previous.getCallsCut();
    s.setCallsCut(cut == 0 ? previousCut : Long.valueOf((previousCut == null ? 0L : previousCut) + cut));
    s.setSelector(Names.LABEL_DEPLOYMENT + "=" + resource.getMetadata().getName() + ","
        + Names.LABEL_REVISION + "=" + plan.activeRevision());

    List<VersionStatus> versions = new ArrayList<>();
    versions.add(serving(group(plan.activeRevision(), activeVersion, Role.Active, active, null, now), active, lastKnown));
    if (!preview.isEmpty() || (obs.rollingOut() && !plan.promoted())) {
      versions.add(serving(group(targetRevision, spec.version(), Role.Preview, preview, null, now), preview, lastKnown));
    }
    // Old workers still serving until the promoted ones have seen their role: active for a moment.
    Map<String, List<PodState>> handingOver = new TreeMap<>();
    plan.handingOver().forEach(p -> handingOver.computeIfAbsent(String.valueOf(p.revision()), k -> new ArrayList<>()).add(p));
    handingOver.forEach((revision, pods) -> versions.add(
        serving(group(revision, pods.get(0).version(), Role.Active, pods, null, now), pods, lastKnown)));
    Map<String, List<PodState>> drainingByRevision = new TreeMap<>();
    for (PodState pod : draining) {
      drainingByRevision.computeIfAbsent(String.valueOf(pod.revision()), k -> new ArrayList<>()).add(pod);
    }
    List<VersionStatus> drainingVersions = new ArrayList<>();
    drainingByRevision.forEach((revision, pods) -> drainingVersions.add(
        group(revision, pods.get(0).version(), Role.Draining, pods, readings, now)));
    drainingVersions.sort(Comparator.comparing(VersionStatus::getDrainStartedAt, Comparator.nullsLast(Comparator.naturalOrder()))
        .thenComparing(VersionStatus::getRevision));
    versions.addAll(drainingVersions);
    s.setVersions(versions);
    s.setReady(activeReady + "/" + spec.replicas());
    List<Integer> known = versions.stream().map(VersionStatus::getInFlight).filter(Objects::nonNull).toList();
    s.setCalls(known.isEmpty() ? null : known.stream().mapToInt(Integer::intValue).sum());

    Conditions conditions = new Conditions(previous.getConditions(), resource.getMetadata().getGeneration(), now);
    conditions.set(Conditions.AVAILABLE, activeReady >= spec.replicas(),
        activeReady >= spec.replicas() ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        activeReady + " of " + spec.replicas() + " active workers ready");
    progressing(conditions, plan);
    conditions.set(Conditions.DRAINING, !draining.isEmpty(),
        draining.isEmpty() ? "NoPodsDraining" : "PodsDraining",
        draining.isEmpty() ? "no workers draining"
            : draining.size() + " workers draining, " + s.getDrainingCalls() + " calls in flight");
    evacuating(conditions, plan, previous);
    conditions.set(Conditions.INVALID_SPEC, false, "SpecValid", "spec is valid");
    conditions.set(Conditions.REPLICA_FAILURE, replicaFailure != null,
        replicaFailure != null ? "PodFailed" : "NoFailure",
        replicaFailure != null ? replicaFailure : "no pod failures");
    s.setConditions(conditions.build());
    return s;
  }

  /**
   * {@code Evacuating} while pods sit on nodes being taken away, naming them; absent until the
   * first evacuation, so a deployment that never saw one shows nothing.
   */
  private static void evacuating(Conditions conditions, Plan plan, AgentDeploymentStatus previous) {
    if (!plan.evacuatingNodes().isEmpty()) {
      conditions.set(Conditions.EVACUATING, true, "NodeDisrupted", "moving workers off " + plan.evacuatingNodes()
          .entrySet().stream().map(e -> "node " + e.getKey() + " (" + e.getValue() + ")")
          .collect(java.util.stream.Collectors.joining(", ")));
    } else if (Conditions.find(previous.getConditions(), Conditions.EVACUATING) != null) {
      conditions.set(Conditions.EVACUATING, false, "NoNodeDisrupted", "no worker on a node being taken away");
    }
  }

  private static void progressing(Conditions conditions, Plan plan) {
    Phase phase = plan.phase();
    if (phase == Phase.Paused) {
      conditions.set(Conditions.PROGRESSING, "Unknown", "Paused", plan.message());
    } else if (phase == Phase.Aborted) {
      conditions.set(Conditions.PROGRESSING, false, "RolloutAborted", plan.message());
    } else if (plan.progressDeadlineExceeded()) {
      conditions.set(Conditions.PROGRESSING, false, "ProgressDeadlineExceeded", plan.message());
    } else if (!plan.stalled().isEmpty()) {
      conditions.set(Conditions.PROGRESSING, false, "DrainDeadlineExceeded", plan.message());
    } else if (phase == Phase.Healthy) {
      conditions.set(Conditions.PROGRESSING, false, "RolloutComplete", plan.message());
    } else {
      String reason = switch (phase) {
        case AwaitingPromotion -> "AwaitingPromotion";
        case Draining -> "OldWorkersDraining";
        default -> "NewRevisionProgressing";
      };
      conditions.set(Conditions.PROGRESSING, true, reason, plan.message());
    }
  }

  /**
   * The LiveKit conditions: {@code LiveKitUnavailable} while spec.livekit is set ({@code
   * liveKitSecret} is the Secret it names, null when not set), and with crossCheck
   * {@code InFlightSourcesDisagree} naming every pod whose two sources have disagreed about it
   * being idle for longer than two polls.
   */
  public static AgentDeploymentStatus withLiveKit(AgentDeploymentStatus s, AgentDeployment resource, EffectiveSpec spec,
      String liveKitSecret, LiveKitAccess liveKit, List<SourceDisagreements.Lasting> disagreements, Instant now) {
    boolean configured = liveKitSecret != null;
    boolean crossCheck = spec.inFlightSource() == InFlightSource.HTTP_AND_LIVEKIT;
    boolean hadLiveKit = Conditions.find(s.getConditions(), Conditions.LIVEKIT_UNAVAILABLE) != null;
    boolean hadCrossCheck = Conditions.find(s.getConditions(), Conditions.SOURCES_DISAGREE) != null;
    if (!configured && !crossCheck && !hadLiveKit && !hadCrossCheck) {
      return s;
    }
    Conditions conditions = new Conditions(s.getConditions(), resource.getMetadata().getGeneration(), now);
    if (!configured) {
      if (hadLiveKit) {
        conditions.set(Conditions.LIVEKIT_UNAVAILABLE, false, "NotConfigured", "spec.livekit is not set");
      }
    } else if (liveKit.available()) {
      conditions.set(Conditions.LIVEKIT_UNAVAILABLE, false, "CredentialsResolved",
          "LiveKit credentials read from Secret " + liveKitSecret);
    } else {
      conditions.set(Conditions.LIVEKIT_UNAVAILABLE, true, "SecretUnavailable",
          liveKit.unavailable() + "; LiveKit in-flight readings are unknown, draining pods are kept");
    }
    if (!disagreements.isEmpty()) {
      conditions.set(Conditions.SOURCES_DISAGREE, true, "WorkerMisreports", disagreements.stream()
          .map(d -> "pod " + d.pod() + ": " + d.detail() + " since " + Times.format(d.since()))
          .collect(Collectors.joining("; ")) + "; such a pod is kept until both read 0 or its drain deadline");
    } else if (crossCheck) {
      conditions.set(Conditions.SOURCES_DISAGREE, false, "SourcesAgree",
          "the worker endpoints and LiveKit agree on which pods are idle");
    } else if (hadCrossCheck) {
      conditions.set(Conditions.SOURCES_DISAGREE, false, "NotCrossChecked", "drain.inFlight.crossCheck is off");
    }
    s.setConditions(conditions.build());
    return s;
  }

  /** The status written for a spec that failed validation: the rest of the status is left as it was. */
  public static AgentDeploymentStatus invalid(AgentDeployment resource, List<String> errors, Instant now) {
    AgentDeploymentStatus previous = Objects.requireNonNullElseGet(resource.getStatus(), AgentDeploymentStatus::new);
    AgentDeploymentStatus s = copy(previous);
    String message = "Invalid spec: " + String.join("; ", errors);
    s.setObservedGeneration(resource.getMetadata().getGeneration());
    s.setPhase(Phase.Degraded);
    s.setMessage(message);
    s.setConditions(new Conditions(previous.getConditions(), resource.getMetadata().getGeneration(), now)
        .set(Conditions.INVALID_SPEC, true, "InvalidSpec", message)
        .build());
    return s;
  }

  private static AgentDeploymentStatus copy(AgentDeploymentStatus s) {
    return io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().convertValue(s, AgentDeploymentStatus.class);
  }

  private static VersionStatus group(String revision, String version, Role role, List<PodState> pods,
      Map<String, InFlight> readings, Instant now) {
    VersionStatus v = new VersionStatus();
    v.setRevision(revision);
    v.setVersion(version);
    v.setRole(role);
    v.setReplicas(pods.size());
    v.setReady((int) pods.stream().filter(PodState::ready).count());
    if (readings != null) {
      List<InFlight> known = pods.stream().map(p -> readings.get(p.name()))
          .filter(r -> r != null && r.known()).toList();
      long unknown = pods.stream().filter(p -> !p.exited())
          .map(p -> readings.get(p.name())).filter(r -> r == null || !r.known()).count();
      v.setInFlight(known.stream().mapToInt(InFlight::count).sum());
      v.setInFlightUnknown(unknown == 0 ? null : (int) unknown);
      v.setDrainStartedAt(Times.format(pods.stream()
          .map(p -> p.drainingSince(now))
          .min(Comparator.naturalOrder()).orElse(null)));
    }
    return v;
  }

  /**
   * Calls on pods that are not draining, from their last known counts (read every
   * drain.activePollSeconds): absent until one of them has been read, so a deployment that never
   * reads them shows nothing, and steady between reads.
   */
  private static VersionStatus serving(VersionStatus v, List<PodState> pods, Map<String, Integer> lastKnown) {
    List<Integer> known = pods.stream().map(p -> lastKnown.get(p.name())).filter(Objects::nonNull).toList();
    if (!known.isEmpty()) {
      v.setInFlight(known.stream().mapToInt(Integer::intValue).sum());
    }
    return v;
  }

  private static int sumKnown(Iterable<PodState> pods, Map<String, InFlight> readings) {
    int sum = 0;
    for (PodState pod : pods) {
      InFlight r = readings.get(pod.name());
      if (r != null && r.known()) {
        sum += r.count();
      }
    }
    return sum;
  }
}
