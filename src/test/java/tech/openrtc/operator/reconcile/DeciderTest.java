package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;
import static tech.openrtc.operator.reconcile.Fixtures.pod;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.reconcile.Decision.AuditRecord;

/** Golden tests of decide: a snapshot in, a decision out. */
class DeciderTest {

  private static List<String> events(Decision d) {
    return d.audits().stream().map(AuditRecord::event).toList();
  }

  private static List<String> drained(Decision d) {
    return d.plan().drains().stream().map(x -> x.pod().name()).sorted().toList();
  }

  private static SnapshotBuilder healthyOld() {
    SnapshotBuilder b = new SnapshotBuilder().activeOld();
    b.spec(s -> s.setVersion("ver-old"));
    b.spec(s -> s.setTemplate(Fixtures.template("agent:ver-old")));
    b.pod(pod("a1", "old").ready()).pod(pod("a2", "old").ready());
    return b;
  }

  /** Healthy at the spec's own revision (recorded as revision 2), two ready pods a1, a2. */
  private static SnapshotBuilder healthyAtTarget() {
    SnapshotBuilder b = activeAtTarget(healthyOld(), "a");
    b.status.setStableRevision(b.target());
    b.record(b.target(), "ver-old", 2);
    return b;
  }

  /** The new revision promoted with two ready pods p1, p2; old pods are added by each test. */
  private static SnapshotBuilder promoted() {
    return activeAtTarget(rollingOut(), "p");
  }

  private static SnapshotBuilder activeAtTarget(SnapshotBuilder b, String podPrefix) {
    String target = b.target();
    b.status.setActiveRevision(target);
    b.status.setTargetRevision(target);
    b.pods.clear();
    return b.pod(pod(podPrefix + "1", target).ready()).pod(pod(podPrefix + "2", target).ready());
  }

  /** The spec changed to a new version while "old" is active: the rollout starts. */
  private static SnapshotBuilder rollingOut() {
    return new SnapshotBuilder().activeOld()
        .pod(pod("a1", "old").ready()).pod(pod("a2", "old").ready());
  }

  @Test
  void nothingChangingDecidesNothingToWrite() {
    SnapshotBuilder b = healthyAtTarget();
    Decision first = Decider.decide(b.build());
    b.status.setPhase(first.status().getPhase());

    b.resource.setStatus(first.status());
    SnapshotBuilder again = b;
    again.status.setConditions(first.status().getConditions());
    Decision d = Decider.decide(again.build());

    assertThat(d.specRewrite()).isNull();
    assertThat(d.creates()).isEmpty();
    assertThat(d.plan().drains()).isEmpty();
    assertThat(d.plan().deletes()).isEmpty();
    assertThat(d.recordTarget()).isFalse();
    assertThat(d.prunes()).isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Healthy);
    assertThat(d.audits()).isEmpty();
    assertThat(d.requeue()).isNull();
  }

  @Test
  void aNewVersionStartsPreviewPodsBesideTheActiveOnes() {
    Snapshot s = rollingOut().build();
    Decision d = Decider.decide(s);

    assertThat(d.recordTarget()).isTrue();
    assertThat(d.creates()).singleElement().satisfies(c -> {
      assertThat(c.template().revision()).isEqualTo(s.target());
      assertThat(c.count()).isEqualTo(2);
    });
    assertThat(d.plan().drains()).isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(d.status().getActiveRevision()).isEqualTo("old");
    assertThat(d.status().getTargetRevision()).isEqualTo(s.target());
    assertThat(events(d)).containsExactly(Recorder.STARTED);
    assertThat(d.membership().activeRevision()).isEqualTo("old");
    assertThat(d.credentials()).containsEntry("old", "ver-old").containsEntry(s.target(), "v1");
  }

  @Test
  void readyPreviewsArePromotedAndTheOldPodsHandOver() {
    SnapshotBuilder b = rollingOut();
    String target = b.target();
    b.status.setTargetRevision(target);
    b.pod(pod("p1", target).ready().role(Names.ROLE_PREVIEW)).pod(pod("p2", target).ready().role(Names.ROLE_PREVIEW));
    Decision d = Decider.decide(b.build());

    assertThat(d.plan().promoted()).isTrue();
    assertThat(d.plan().promotes()).extracting(p -> p.name()).containsExactlyInAnyOrder("p1", "p2");
    assertThat(d.plan().drains()).as("marked only once p1, p2 have seen role=active").isEmpty();
    assertThat(d.plan().handingOver()).extracting(p -> p.name()).containsExactlyInAnyOrder("a1", "a2");
    assertThat(d.status().getActiveRevision()).isEqualTo(target);
    assertThat(d.membership().activeRevision()).isEqualTo(target);
    assertThat(d.membership().draining()).extracting(m -> m.revision()).containsExactly("old");
    assertThat(events(d)).containsExactly(Recorder.PROMOTED);
    assertThat(d.requeue()).isLessThanOrEqualTo(RolloutPlanner.ROLE_SETTLE);
  }

  @Test
  void onceThePromotedPodsHaveSettledEveryOldPodDrains() {
    SnapshotBuilder b = promoted();
    b.pods.clear();
    String target = b.target();
    b.pod(pod("p1", target).ready().promoted(NOW.minus(RolloutPlanner.ROLE_SETTLE)));
    b.pod(pod("p2", target).ready().promoted(NOW.minus(RolloutPlanner.ROLE_SETTLE)));
    b.pod(pod("a1", "old").ready()).pod(pod("a2", "old").ready());
    Decision d = Decider.decide(b.build());

    assertThat(drained(d)).containsExactly("a1", "a2");
    assertThat(events(d)).containsOnly(Recorder.DRAIN_STARTED);
    assertThat(d.awaitedPods()).containsExactlyInAnyOrder("a1", "a2");
    // A settle time before a 0 may count.
    assertThat(d.requeue()).isLessThanOrEqualTo(RolloutPlanner.ROLE_SETTLE);
  }

  @Test
  void promotionWaitsForThePromoteCommandWhichIsRemovedOnceItHappened() {
    SnapshotBuilder b = rollingOut().spec(s -> s.getStrategy().setAutoPromote(false));
    String target = b.target();
    b.status.setTargetRevision(target);
    b.pod(pod("p1", target).ready()).pod(pod("p2", target).ready());

    Decision waiting = Decider.decide(b.build());
    assertThat(waiting.status().getPhase()).isEqualTo(Phase.AwaitingPromotion);
    assertThat(waiting.plan().drains()).isEmpty();
    assertThat(waiting.clearCommands()).isEmpty();

    Decision promoted = Decider.decide(b.annotate(Names.ANNOTATION_PROMOTE, "true").build());
    assertThat(promoted.plan().promoted()).isTrue();
    assertThat(promoted.clearCommands()).containsExactly(Names.ANNOTATION_PROMOTE);
  }

  @Test
  void abortDrainsThePreviewAndAStaleAbortIsRemoved() {
    SnapshotBuilder b = rollingOut();
    String target = b.target();
    b.status.setTargetRevision(target);
    b.pod(pod("p1", target).ready());
    Decision aborted = Decider.decide(b.annotate(Names.ANNOTATION_ABORT, target).build());
    assertThat(aborted.status().getPhase()).isEqualTo(Phase.Aborted);
    assertThat(drained(aborted)).containsExactly("p1");
    assertThat(aborted.creates()).isEmpty();
    assertThat(aborted.clearCommands()).isEmpty();

    Decision stale = Decider.decide(b.annotate(Names.ANNOTATION_ABORT, "some-older-revision").build());
    assertThat(stale.clearCommands()).containsExactly(Names.ANNOTATION_ABORT);
    assertThat(stale.status().getPhase()).isNotEqualTo(Phase.Aborted);
  }

  @Test
  void scaleDownDrainsTheLeastBusyPod() {
    SnapshotBuilder b = healthyAtTarget();
    b.pod(pod("a3", b.target()).ready());
    b.reading("a1", 3).reading("a2", 0).reading("a3", 1);
    Decision d = Decider.decide(b.build());

    assertThat(drained(d)).containsExactly("a2");
    assertThat(d.plan().drains()).singleElement().satisfies(x -> assertThat(x.reason()).isEqualTo("scale-down"));
    assertThat(d.creates()).isEmpty();
    assertThat(d.recordTarget()).isFalse();
  }

  @Test
  void aDrainedPodReadingZeroAfterTheSettleTimeIsDeletedAndCounted() {
    SnapshotBuilder b = promoted();
    b.pod(pod("a1", "old").ready().draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)));
    b.reading("a1", 0);
    Decision d = Decider.decide(b.build());

    assertThat(d.plan().deletes()).singleElement().satisfies(x -> {
      assertThat(x.pod().name()).isEqualTo("a1");
      assertThat(x.reason()).isEqualTo(Plan.DeleteReason.DRAINED);
    });
    assertThat(events(d)).contains(Recorder.POD_DRAINED);
    assertThat(d.metrics().drained()).singleElement().satisfies(x -> {
      assertThat(x.reason()).isEqualTo("drained");
      assertThat(x.took()).isEqualTo(Duration.ofSeconds(30));
    });
    assertThat(d.podsLeft()).isEqualTo(2);
  }

  @Test
  void aBusyDrainingPodIsKeptAndAnUnknownReadingIsNeverZero() {
    SnapshotBuilder b = promoted();
    b.pod(pod("a1", "old").ready().draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)));
    b.pod(pod("a2", "old").ready().draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)));
    b.reading("a1", 2);
    Decision d = Decider.decide(b.build()); // a2: not read at all

    assertThat(d.plan().deletes()).isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Draining);
    assertThat(d.status().getDrainingCalls()).isEqualTo(2);
    assertThat(d.awaitedPods()).containsExactlyInAnyOrder("a1", "a2");
  }

  @Test
  void atTheDeadlineWithTerminateTheLastKnownCountIsCut() {
    SnapshotBuilder b = promoted();
    b.pod(pod("a1", "old").ready().draining(NOW.minusSeconds(3600), NOW.minusSeconds(1)));
    b.lastKnown.put("a1", 4); // the pod stopped answering; its last count was 4
    Decision d = Decider.decide(b.build());

    assertThat(d.plan().deletes()).singleElement().satisfies(x -> {
      assertThat(x.reason()).isEqualTo(Plan.DeleteReason.DEADLINE);
      assertThat(x.callsCut()).isEqualTo(4);
    });
    assertThat(events(d)).contains(Recorder.CALLS_CUT, Recorder.POD_DRAINED);
    assertThat(d.metrics().drained()).singleElement().satisfies(x -> assertThat(x.callsCut()).isEqualTo(4));
    assertThat(d.status().getCallsCut()).isEqualTo(4L);
  }

  @Test
  void aDeletedDeploymentDrainsEveryPodAndPublishesNothing() {
    SnapshotBuilder b = healthyOld();
    b.deleting = true;
    Decision d = Decider.decide(b.build());

    assertThat(drained(d)).containsExactly("a1", "a2");
    assertThat(d.creates()).isEmpty();
    assertThat(d.recordTarget()).isFalse();
    assertThat(d.prunes()).isEmpty();
    assertThat(d.membership()).isNull();
    assertThat(d.credentials()).isNull();
    assertThat(d.status().getMessage()).startsWith("Deleting:");
    assertThat(d.podsLeft()).isEqualTo(2);
  }

  @Test
  void rollbackToAnAnnotatedRevisionRewritesTheSpecAndNothingElse() {
    SnapshotBuilder b = rollingOut().annotate(Names.ANNOTATION_ROLLBACK_TO, "1");
    Decision d = Decider.decide(b.build());

    assertThat(d.specRewrite()).isNotNull();
    assertThat(d.specRewrite().to().getMetadata().getName()).isEqualTo("support-old");
    assertThat(d.specRewrite().removeAnnotations()).containsExactly(Names.ANNOTATION_ROLLBACK_TO);
    assertThat(d.specRewrite().reason()).contains("rollback-to=1");
    assertThat(d.status()).isNull();
    assertThat(d.creates()).isEmpty();
    assertThat(d.plan()).isNull();
  }

  @Test
  void rollbackToAMissingRevisionIsRejectedAndTheAnnotationRemoved() {
    for (String bad : List.of("7", "seven")) {
      Decision d = Decider.decide(rollingOut().annotate(Names.ANNOTATION_ROLLBACK_TO, bad).build());
      assertThat(d.specRewrite()).isNull();
      assertThat(d.clearCommands()).containsExactly(Names.ANNOTATION_ROLLBACK_TO);
      assertThat(d.audits()).singleElement().satisfies(a -> {
        assertThat(a.event()).isEqualTo(Recorder.ROLLED_BACK);
        assertThat(a.result()).isEqualTo("rejected");
        assertThat(a.warning()).isTrue();
      });
      assertThat(d.plan()).isNull();
    }
  }

  @Test
  void pastTheProgressDeadlineAutoRollbackGoesBackToTheStableRevision() {
    SnapshotBuilder b = rollingOut().spec(s -> {
      s.getStrategy().setAutoRollback(true);
      s.getStrategy().setProgressDeadlineSeconds(60);
    });
    b.status.setTargetRevision(b.target());
    b.status.setRolloutStartedAt("2026-03-01T11:58:00Z");
    Decision d = Decider.decide(b.build());

    assertThat(d.specRewrite()).isNotNull();
    assertThat(d.specRewrite().to().getMetadata().getName()).isEqualTo("support-old");
    assertThat(d.specRewrite().reason()).contains("progress deadline exceeded (60s)");
    assertThat(d.specRewrite().removeAnnotations()).isEmpty();
  }

  @Test
  void withoutAutoRollbackThePassedDeadlineIsDegradedAndNothingIsRewritten() {
    SnapshotBuilder b = rollingOut().spec(s -> s.getStrategy().setProgressDeadlineSeconds(60));
    b.status.setTargetRevision(b.target());
    b.status.setRolloutStartedAt("2026-03-01T11:58:00Z");
    Decision d = Decider.decide(b.build());

    assertThat(d.specRewrite()).isNull();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Degraded);
  }

  @Test
  void anInvalidSpecWritesOnlyStatusAndTouchesNoPod() {
    SnapshotBuilder b = healthyOld();
    b.errors = List.of("spec.replicas must be >= 0");
    Decision d = Decider.decide(b.build());

    assertThat(d.status().getPhase()).isEqualTo(Phase.Degraded);
    assertThat(d.status().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo(Conditions.INVALID_SPEC);
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getMessage()).contains("spec.replicas");
    });
    assertThat(d.plan()).isNull();
    assertThat(d.creates()).isEmpty();
    assertThat(d.membership()).isNull();
    assertThat(d.recordTarget()).isFalse();
  }

  @Test
  void unknownSpecFieldsAreWarnedAboutOnceAndOtherwiseIgnored() {
    SnapshotBuilder b = rollingOut();
    b.unknownFields = List.of("spec.drain.preStopSeconds", "spec.canary");
    Decision first = Decider.decide(b.build());
    assertThat(first.audits()).filteredOn(a -> a.event().equals(Decider.UNKNOWN_FIELDS)).singleElement()
        .satisfies(a -> {
          assertThat(a.warning()).isTrue();
          assertThat(a.message()).contains("spec.drain.preStopSeconds", "spec.canary");
        });
    assertThat(first.creates()).isNotEmpty(); // the rest of the spec is used

    b.unknownFieldsWarned = b.unknownFields;
    assertThat(events(Decider.decide(b.build()))).doesNotContain(Decider.UNKNOWN_FIELDS);
  }

  @Test
  void aFailedCreateIsReportedAsReplicaFailure() {
    SnapshotBuilder b = rollingOut();
    b.createFailure = "creating a pod of revision x failed: Forbidden: exceeded quota";
    Decision d = Decider.decide(b.build());

    assertThat(d.status().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo(Conditions.REPLICA_FAILURE);
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getMessage()).contains("exceeded quota");
    });
    assertThat(d.creates()).isNotEmpty(); // tried again
  }

  @Test
  void aMissingLiveKitSecretIsLookedAtAgainWithinThirtySeconds() {
    SnapshotBuilder b = healthyOld().spec(s -> {
      LiveKitSpec lk = new LiveKitSpec();
      lk.setUrl("ws://127.0.0.1:1");
      SecretRef ref = new SecretRef();
      ref.setName("livekit");
      lk.setSecretRef(ref);
      s.setLivekit(lk);
    });
    b.liveKitSecret = "livekit";
    b.liveKit = LiveKitAccess.unavailable("Secret voice/livekit not found");
    Decision d = Decider.decide(b.build());

    assertThat(d.requeue()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(d.status().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo(Conditions.LIVEKIT_UNAVAILABLE);
      assertThat(c.getStatus()).isEqualTo("True");
    });
  }

  @Test
  void aPodNotCreatedByTheOperatorIsRejectedAndDrained() {
    SnapshotBuilder b = healthyAtTarget();
    b.pod(pod("stray", "ancient").ready().foreign());
    Decision d = Decider.decide(b.build());

    assertThat(drained(d)).containsExactly("stray");
    assertThat(events(d)).containsExactly(Recorder.WORKER_REJECTED);
  }

  @Test
  void creationsUseTheActiveRevisionsRecordDuringARollout() {
    SnapshotBuilder b = rollingOut();
    b.status.setTargetRevision(b.target());
    b.pods.removeIf(p -> p.name().equals("a2")); // an active pod was lost mid-rollout
    Decision d = Decider.decide(b.build());

    assertThat(d.creates()).extracting(c -> c.template().revision()).contains("old");
    assertThat(d.creates()).filteredOn(c -> c.template().revision().equals("old"))
        .singleElement().satisfies(c -> assertThat(c.template().version()).isEqualTo("ver-old"));
  }

  // ---------------------------------------------------------------- disruptions

  @Test
  void theBudgetIsCreatedOnceThenLeftAlone() {
    SnapshotBuilder b = healthyAtTarget();
    Decision first = Decider.decide(b.build());
    assertThat(first.budget().write().getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
    assertThat(first.budget().write().getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");

    b.budget = first.budget().write();
    assertThat(Decider.decide(b.build()).budget()).isNull();
  }

  @Test
  void aRolloutRaisesTheBudgetBeforeItsNewPodsExist() {
    SnapshotBuilder b = rollingOut();
    b.budget = tech.openrtc.operator.disruption.DisruptionBudget.build(b.resource, 2);
    Decision d = Decider.decide(b.build());
    assertThat(d.creates()).isNotEmpty();
    assertThat(d.budget().write().getSpec().getMinAvailable().getIntVal()).isEqualTo(4);
  }

  @Test
  void withTheBudgetOffOursIsDeletedAndAForeignOneIsLeftAlone() {
    SnapshotBuilder b = healthyAtTarget();
    b.spec(s -> {
      tech.openrtc.operator.api.DisruptionSpec off = new tech.openrtc.operator.api.DisruptionSpec();
      off.setBudget(false);
      s.setDisruption(off);
    });
    b.budget = tech.openrtc.operator.disruption.DisruptionBudget.build(b.resource, 2);
    assertThat(Decider.decide(b.build()).budget().delete()).isNotNull();

    SnapshotBuilder foreign = healthyAtTarget();
    foreign.budget = new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder()
        .withNewMetadata().withName("support").withNamespace("voice").endMetadata()
        .withNewSpec().withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(1)).endSpec().build();
    assertThat(Decider.decide(foreign.build()).budget()).isNull();
  }

  @Test
  void aLostPodIsAWarningACountInStatusAndAMetric() {
    SnapshotBuilder b = healthyAtTarget();
    b.lost.add(new LostCalls.LostPod("a9", "ver-old", b.target(), 3, "pod_lost", "removed at once (forced delete or lost node)"));
    Decision d = Decider.decide(b.build());
    assertThat(d.audits()).filteredOn(a -> a.event().equals(Recorder.CALLS_CUT)).singleElement().satisfies(a -> {
      assertThat(a.warning()).isTrue();
      assertThat(a.message()).contains("a9", "3 call(s)");
      assertThat(a.extra()).containsEntry("reason", "pod_lost").containsEntry("callsCut", 3);
    });
    assertThat(d.status().getCallsCut()).isEqualTo(3L);
    assertThat(d.metrics().lost()).hasSize(1);
  }

  @Test
  void anEvacuationNamesTheNodeInTheDrainAndInTheStatus() {
    SnapshotBuilder b = healthyAtTarget();
    String target = b.target();
    b.pods.clear();
    b.pod(pod("a1", target).ready().on("n1")).pod(pod("a2", target).ready().on("n2"))
        .pod(pod("a3", target).ready().on("n2"));
    b.disrupted("n1");
    Decision d = Decider.decide(b.build());

    assertThat(drained(d)).containsExactly("a1");
    assertThat(d.audits()).filteredOn(a -> a.event().equals(Recorder.DRAIN_STARTED)).singleElement()
        .satisfies(a -> assertThat(a.extra()).containsEntry("node", "n1"));
    assertThat(d.status().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Evacuating");
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getMessage()).contains("node n1 (cordoned)");
    });
  }

  @Test
  void activeReadsAskForTheNextPass() {
    SnapshotBuilder b = healthyAtTarget();
    b.nextActiveRead = Fixtures.NOW.plusSeconds(7);
    b.budget = tech.openrtc.operator.disruption.DisruptionBudget.build(b.resource, 2);
    assertThat(Decider.decide(b.build()).requeue()).isBetween(java.time.Duration.ofSeconds(7),
        java.time.Duration.ofMillis(7100));
  }
}
