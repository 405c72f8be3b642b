package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.api.Times;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;
import static tech.openrtc.operator.reconcile.Fixtures.pod;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.pods.PodState;

class StatusAggregatorTest {

  private static final String A = "rev-a";
  private static final String B = "rev-b";
  private static final String C = "rev-c";
  private static final String SELECTOR_PREFIX =
      "agents.openrtc.tech/deployment=support,agents.openrtc.tech/revision=";

  private final EffectiveSpec spec = Fixtures.spec(x -> {
    x.setVersion("v2");
    x.setReplicas(3);
  });
  private final List<PodState> pods = new ArrayList<>();
  private final Map<String, InFlight> readings = new HashMap<>();

  @Test
  void rolloutInProgressListsActiveAndPreview() {
    AgentDeployment r = resource(previous(A, "v1", B));
    addReady("a", A, 3);
    pods.add(pod("b-0", B).build());

    AgentDeploymentStatus s = reconcile(r, B, NOW);

    assertThat(s.getObservedGeneration()).isEqualTo(7L);
    assertThat(s.getPhase()).isEqualTo(Phase.Progressing);
    assertThat(s.getActiveRevision()).isEqualTo(A);
    assertThat(s.getActiveVersion()).isEqualTo("v1");
    assertThat(s.getTargetRevision()).isEqualTo(B);
    assertThat(s.getTargetVersion()).isEqualTo("v2");
    assertThat(s.getReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    assertThat(s.getDrainingReplicas()).isZero();
    assertThat(s.getDrainingCalls()).isZero();
    assertThat(s.getCallsCut()).isNull();
    assertThat(s.getSelector()).isEqualTo(SELECTOR_PREFIX + A);
    assertThat(s.getVersions()).extracting(VersionStatus::getRevision, VersionStatus::getVersion,
            VersionStatus::getRole, VersionStatus::getReplicas, VersionStatus::getReady)
        .containsExactly(tuple(A, "v1", Role.Active, 3, 3), tuple(B, "v2", Role.Preview, 1, 0));
    assertCondition(s, "Available", "True", "MinimumReplicasAvailable");
    assertCondition(s, "Progressing", "True", "NewRevisionProgressing");
    assertCondition(s, "Draining", "False", "NoPodsDraining");
    assertCondition(s, "InvalidSpec", "False", "SpecValid");
    assertCondition(s, "ReplicaFailure", "False", "NoFailure");
  }

  @Test
  void promotionMakesTheNewRevisionActiveWhileTheOldOneHandsOver() {
    AgentDeployment r = resource(previous(A, "v1", B));
    addReady("a", A, 3);
    addReady("b", B, 3);

    AgentDeploymentStatus s = reconcile(r, B, NOW);

    assertThat(s.getPhase()).isEqualTo(Phase.Draining);
    assertThat(s.getActiveRevision()).isEqualTo(B);
    assertThat(s.getSelector()).isEqualTo(SELECTOR_PREFIX + B);
    assertThat(s.getReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    assertThat(s.getDrainingReplicas()).isZero();
    assertThat(s.getVersions()).extracting(VersionStatus::getRevision, VersionStatus::getRole,
            VersionStatus::getReplicas, VersionStatus::getReady)
        .containsExactly(tuple(B, Role.Active, 3, 3), tuple(A, Role.Active, 3, 3)); // still serving
    assertThat(s.getMessage()).startsWith("3 old workers serving until the new ones have taken over");
  }

  @Test
  void onceHandedOverTheOldRevisionIsDraining() {
    AgentDeployment r = resource(previous(B, "v2", B));
    addReady("a", A, 3);
    IntStream.range(0, 3).forEach(i ->
        pods.add(pod("b-" + i, B).ready().promoted(NOW.minus(RolloutPlanner.ROLE_SETTLE)).build()));

    AgentDeploymentStatus s = reconcile(r, B, NOW);

    assertThat(s.getPhase()).isEqualTo(Phase.Draining);
    assertThat(s.getDrainingReplicas()).isEqualTo(3);
    assertThat(s.getVersions()).extracting(VersionStatus::getRevision, VersionStatus::getRole,
            VersionStatus::getReplicas, VersionStatus::getInFlight, VersionStatus::getInFlightUnknown,
            VersionStatus::getDrainStartedAt)
        .containsExactly(
            tuple(B, Role.Active, 3, null, null, null),
            tuple(A, Role.Draining, 3, 0, 3, "2026-03-01T12:00:00Z")); // not probed yet: unknown
    assertCondition(s, "Progressing", "True", "OldWorkersDraining");
    assertCondition(s, "Draining", "True", "PodsDraining");
  }

  @Test
  void twoDrainingRevisionsAreListedOldestDrainFirstWithTheirCalls() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);
    pods.add(pod("b-0", B).ready().draining(NOW.minusSeconds(60), NOW.plusSeconds(3540)).build());
    pods.add(pod("b-1", B).ready().draining(NOW.minusSeconds(50), NOW.plusSeconds(3550)).build());
    pods.add(pod("a-0", A).ready().draining(NOW.minusSeconds(600), NOW.plusSeconds(3000)).build());
    readings.put("b-0", InFlight.of(2));
    readings.put("b-1", InFlight.unknown("refused"));
    readings.put("a-0", InFlight.of(1));

    AgentDeploymentStatus s = reconcile(r, C, NOW);

    assertThat(s.getPhase()).isEqualTo(Phase.Draining);
    assertThat(s.getDrainingReplicas()).isEqualTo(3);
    assertThat(s.getDrainingCalls()).isEqualTo(3);
    assertThat(s.getVersions()).extracting(VersionStatus::getRevision, VersionStatus::getRole,
            VersionStatus::getReplicas, VersionStatus::getInFlight, VersionStatus::getInFlightUnknown,
            VersionStatus::getDrainStartedAt)
        .containsExactly(
            tuple(C, Role.Active, 3, null, null, null),
            tuple(A, Role.Draining, 1, 1, null, "2026-03-01T11:50:00Z"),
            tuple(B, Role.Draining, 2, 2, 1, "2026-03-01T11:59:00Z"));
  }

  @Test
  void callsCutAccumulatesOverReconciles() {
    AgentDeploymentStatus before = previous(C, "v3", C);
    before.setCallsCut(2L);
    AgentDeployment r = resource(before);
    addReady("c", C, 3);
    pods.add(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW).build());
    readings.put("a-0", InFlight.of(3));

    assertThat(reconcile(r, C, NOW).getCallsCut()).isEqualTo(5L);
  }

  @Test
  void callsCutStaysAbsentUntilACallIsCut() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);
    pods.add(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW).build());
    readings.put("a-0", InFlight.of(0));

    assertThat(reconcile(r, C, NOW).getCallsCut()).isNull();
  }

  @Test
  void anUnchangedWorldProducesAnUnchangedStatus() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);
    pods.add(pod("a-0", A).draining(NOW.minusSeconds(60), NOW.plusSeconds(3540)).build());
    readings.put("a-0", InFlight.of(2));

    AgentDeploymentStatus first = reconcile(r, C, NOW);
    r.setStatus(first);
    AgentDeploymentStatus second = reconcile(r, C, NOW.plusSeconds(30));

    assertThat(Serialization.asJson(second)).isEqualTo(Serialization.asJson(first));
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusChanges() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);
    r.setStatus(reconcile(r, C, NOW));

    pods.set(0, pod("c-0", C).build()); // one worker stops being ready
    Instant later = NOW.plusSeconds(60);
    AgentDeploymentStatus s = reconcile(r, C, later);

    assertCondition(s, "Available", "False", "MinimumReplicasUnavailable");
    assertThat(condition(s, "Available").getLastTransitionTime()).isEqualTo(Times.format(later));
    assertThat(condition(s, "Draining").getLastTransitionTime()).isEqualTo(Times.format(NOW));
    assertThat(condition(s, "InvalidSpec").getLastTransitionTime()).isEqualTo(Times.format(NOW));
    assertThat(condition(s, "Available").getMessage()).isEqualTo("2 of 3 active workers ready");
  }

  @Test
  void replicaFailureIsReported() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);
    Observation obs = Observation.of(C, C, pods);
    Plan plan = plan(r, obs, NOW);

    AgentDeploymentStatus s = StatusAggregator.status(r, spec, C, "v3", obs, plan, readings,
        "1 worker pod(s) exited: c-9", Map.of(), 0, NOW);

    assertCondition(s, "ReplicaFailure", "True", "PodFailed");
    assertThat(condition(s, "ReplicaFailure").getMessage()).isEqualTo("1 worker pod(s) exited: c-9");
  }

  @Test
  void pausedProgressDeadlineAndStalledDrainShowInProgressing() {
    AgentDeployment r = resource(previous(A, "v1", B));
    addReady("a", A, 3);

    EffectiveSpec paused = Fixtures.spec(x -> x.setPaused(true));
    assertCondition(status(r, paused, B, NOW), "Progressing", "Unknown", "Paused");

    r.getStatus().setRolloutStartedAt(Times.format(NOW.minusSeconds(601)));
    assertCondition(status(r, spec, B, NOW), "Progressing", "False", "ProgressDeadlineExceeded");

    AgentDeployment done = resource(previous(C, "v3", C));
    pods.clear();
    addReady("c", C, 3);
    pods.add(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW.minusSeconds(1)).build());
    readings.put("a-0", InFlight.of(1));
    EffectiveSpec wait = Fixtures.spec(x -> x.getDrain().setOnTimeout(OnTimeout.Wait));
    AgentDeploymentStatus stalled = status(done, wait, C, NOW);
    assertThat(stalled.getPhase()).isEqualTo(Phase.Degraded);
    assertCondition(stalled, "Progressing", "False", "DrainDeadlineExceeded");
  }

  @Test
  void healthyRolloutIsComplete() {
    AgentDeployment r = resource(previous(C, "v3", C));
    addReady("c", C, 3);

    AgentDeploymentStatus s = reconcile(r, C, NOW);

    assertThat(s.getPhase()).isEqualTo(Phase.Healthy);
    assertThat(s.getVersions()).extracting(VersionStatus::getRole).containsExactly(Role.Active);
    assertCondition(s, "Progressing", "False", "RolloutComplete");
    assertThat(s.getRolloutStartedAt()).isNull();
  }

  @Test
  void invalidSpecKeepsTheRestOfTheStatus() {
    AgentDeploymentStatus before = previous(A, "v1", A);
    before.setReadyReplicas(3);
    before.setConditions(new ArrayList<>(new Conditions(null, 6L, NOW.minusSeconds(600))
        .set(Conditions.AVAILABLE, true, "MinimumReplicasAvailable", "3 of 3")
        .set(Conditions.INVALID_SPEC, false, "SpecValid", "spec is valid")
        .build()));
    AgentDeployment r = resource(before);

    AgentDeploymentStatus s = StatusAggregator.invalid(r, List.of("spec.replicas: must be >= 0, got -1",
        "spec.version: required"), NOW);

    assertThat(s.getPhase()).isEqualTo(Phase.Degraded);
    assertThat(s.getMessage()).isEqualTo("Invalid spec: spec.replicas: must be >= 0, got -1; spec.version: required");
    assertThat(s.getObservedGeneration()).isEqualTo(7L);
    assertThat(s.getActiveRevision()).isEqualTo(A);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    assertCondition(s, "InvalidSpec", "True", "InvalidSpec");
    assertThat(condition(s, "InvalidSpec").getLastTransitionTime()).isEqualTo(Times.format(NOW));
    // Not re-evaluated for the invalid generation: carried over as it was, generation included.
    assertThat(condition(s, "Available")).isEqualTo(Conditions.find(before.getConditions(), "Available"));
    assertThat(condition(s, "Available").getObservedGeneration()).isEqualTo(6L);
    assertThat(r.getStatus().getPhase()).as("the previous status object is not modified").isEqualTo(Phase.Healthy);
  }

  // ---------------------------------------------------------------- helpers

  private AgentDeploymentStatus reconcile(AgentDeployment r, String target, Instant now) {
    return status(r, spec, target, now);
  }

  /** What the reconciler does between reading the pods and writing the status. */
  private AgentDeploymentStatus status(AgentDeployment r, EffectiveSpec spec, String target, Instant now) {
    Observation obs = Observation.of(target, r.getStatus().getActiveRevision(), pods);
    Plan plan = RolloutPlanner.plan(new RolloutPlanner.Input(spec, obs, r.getStatus().getTargetRevision(),
        Times.parse(r.getStatus().getRolloutStartedAt()), readings, Map.of(), true, false, false, now));
    String activeVersion = plan.activeRevision().equals(target) ? spec.version() : r.getStatus().getActiveVersion();
    return StatusAggregator.status(r, spec, target, activeVersion, obs, plan, readings, null, Map.of(), 0, now);
  }

  private Plan plan(AgentDeployment r, Observation obs, Instant now) {
    return RolloutPlanner.plan(new RolloutPlanner.Input(spec, obs, r.getStatus().getTargetRevision(),
        Times.parse(r.getStatus().getRolloutStartedAt()), readings, Map.of(), true, false, false, now));
  }

  private void addReady(String prefix, String revision, int n) {
    IntStream.range(0, n).forEach(i -> pods.add(pod(prefix + "-" + i, revision).ready().build()));
  }

  private static AgentDeploymentStatus previous(String activeRevision, String activeVersion, String targetRevision) {
    AgentDeploymentStatus s = new AgentDeploymentStatus();
    s.setPhase(Phase.Healthy);
    s.setActiveRevision(activeRevision);
    s.setActiveVersion(activeVersion);
    s.setTargetRevision(targetRevision);
    s.setRolloutStartedAt(Times.format(NOW.minusSeconds(10)));
    return s;
  }

  private static AgentDeployment resource(AgentDeploymentStatus status) {
    AgentDeployment r = new AgentDeployment();
    r.setMetadata(new ObjectMetaBuilder().withName("support").withNamespace("voice").withUid("uid-1")
        .withGeneration(7L).build());
    r.setSpec(Fixtures.rawSpec(s -> {}));
    r.setStatus(status);
    return r;
  }

  private static Condition condition(AgentDeploymentStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  private static void assertCondition(AgentDeploymentStatus s, String type, String status, String reason) {
    assertThat(condition(s, type)).as(type).isNotNull()
        .satisfies(c -> {
          assertThat(c.getStatus()).as(type + ".status").isEqualTo(status);
          assertThat(c.getReason()).as(type + ".reason").isEqualTo(reason);
          assertThat(c.getObservedGeneration()).as(type + ".observedGeneration").isEqualTo(7L);
        });
  }
}
