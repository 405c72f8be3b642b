package tech.openrtc.operator.reconcile;

import static tech.openrtc.operator.reconcile.Fixtures.DEPLOYMENT_UID;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;
import tech.openrtc.operator.pods.PodState;

/**
 * A {@link Snapshot} as the observer would build it, for the golden tests of {@link Decider}:
 * deployment voice/support, an active revision "old" (version "ver-old") recorded as revision 1,
 * and a spec whose target revision is computed as the operator computes it.
 */
final class SnapshotBuilder {

  final AgentDeployment resource = new AgentDeployment();
  AgentDeploymentSpec spec = Fixtures.rawSpec(s -> s.setReplicas(2));
  final AgentDeploymentStatus status = new AgentDeploymentStatus();
  final List<PodState> pods = new ArrayList<>();
  final Set<ControllerRevision> revisions = new LinkedHashSet<>();
  final Map<String, InFlight> readings = new HashMap<>();
  final Map<String, Integer> lastKnown = new HashMap<>();
  final Map<String, String> annotations = new HashMap<>();
  List<String> errors = List.of();
  List<String> unknownFields = List.of();
  List<String> unknownFieldsWarned = List.of();
  String liveKitSecret;
  LiveKitAccess liveKit = LiveKitAccess.none();
  String createFailure;
  boolean deleting;
  final Map<String, String> disruptedNodes = new HashMap<>();
  final List<LostCalls.LostPod> lost = new ArrayList<>();
  io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget budget;
  Instant nextActiveRead;
  Instant now = NOW;
  final List<io.fabric8.kubernetes.api.model.HasMetadata> leftovers = new ArrayList<>();

  SnapshotBuilder() {
    resource.getMetadata().setNamespace("voice");
    resource.getMetadata().setName("support");
    resource.getMetadata().setUid(DEPLOYMENT_UID);
    resource.getMetadata().setGeneration(2L);
    resource.getMetadata().setResourceVersion("42");
    record("old", "ver-old", 1);
  }

  /** Active and Healthy at revision "old" (status as the operator wrote it). */
  SnapshotBuilder activeOld() {
    status.setActiveRevision("old");
    status.setActiveVersion("ver-old");
    status.setTargetRevision("old");
    status.setStableRevision("old");
    status.setPhase(tech.openrtc.operator.api.Phase.Healthy);
    return this;
  }

  /** The spec's own target revision, so status says it is rolling out (or done). */
  String target() {
    EffectiveSpec e = SpecValidator.effective(spec);
    return Revisions.hash(e.version(), e.template(), e.agentName());
  }

  SnapshotBuilder spec(Consumer<AgentDeploymentSpec> customise) {
    customise.accept(spec);
    return this;
  }

  SnapshotBuilder pod(Fixtures.TestPod pod) {
    pods.add(pod.build());
    return this;
  }

  SnapshotBuilder reading(String pod, int count) {
    readings.put(pod, InFlight.of(count));
    lastKnown.put(pod, count);
    return this;
  }

  SnapshotBuilder record(String revision, String version, long number) {
    revisions.add(RevisionHistory.build(resource,
        new RevisionTemplate(revision, version, null, Fixtures.template("agent:" + version)), number));
    return this;
  }

  SnapshotBuilder annotate(String key, String value) {
    annotations.put(key, value);
    return this;
  }

  Snapshot build() {
    resource.getMetadata().setAnnotations(annotations);
    resource.setSpec(spec);
    resource.setStatus(status);
    Commands commands = Commands.of(annotations);
    if (!errors.isEmpty()) {
      return new Snapshot(resource, status, deleting, commands, errors, null, unknownFields, unknownFieldsWarned,
          null, liveKit, null, null, Optional.empty(), List.of(), null, revisions, List.of(), null, Map.of(), Map.of(),
          List.of(), createFailure, null, Map.of(), List.of(), null, null, now, List.copyOf(leftovers));
    }
    EffectiveSpec e = SpecValidator.effective(spec);
    String target = target();
    Observation observed = Observation.of(target, status.getActiveRevision(), pods);
    RevisionTemplate targetTemplate = new RevisionTemplate(target, e.version(), e.agentName(), e.template());
    Optional<RevisionTemplate> activeTemplate = Objects.equals(observed.active(), target) ? Optional.of(targetTemplate)
        : RevisionHistory.find(revisions, observed.active()).flatMap(RevisionHistory::read);
    return new Snapshot(resource, status, deleting, commands, errors, e, unknownFields, unknownFieldsWarned,
        liveKitSecret, liveKit, target, targetTemplate, activeTemplate, List.copyOf(pods), observed, revisions,
        List.of(), null, Map.copyOf(readings), Map.copyOf(lastKnown), List.of(), createFailure, null,
        Map.copyOf(disruptedNodes), List.copyOf(lost), budget, nextActiveRead, now, List.copyOf(leftovers));
  }

  /** The node is being taken away (cordoned, or tainted for removal). */
  SnapshotBuilder disrupted(String node) {
    disruptedNodes.put(node, "cordoned");
    return this;
  }
}
