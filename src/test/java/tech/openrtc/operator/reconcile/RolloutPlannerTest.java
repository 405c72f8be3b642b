package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;
import static tech.openrtc.operator.reconcile.Fixtures.pod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.pods.PodState;
import tech.openrtc.operator.reconcile.Fixtures.TestPod;
import tech.openrtc.operator.reconcile.Plan.DeleteReason;

class RolloutPlannerTest {

  private static final String A = "rev-a";
  private static final String B = "rev-b";
  private static final String C = "rev-c";
  private static final Instant LONG_AGO = NOW.minusSeconds(3600);

  // ---------------------------------------------------------------- creating and promoting

  @Test
  void firstDeployCreatesReplicasPods() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = null;
    s.firstSeen();

    Plan plan = s.plan();

    assertThat(plan.creates()).containsExactly(new Plan.Create(A, 3));
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.phase()).isEqualTo(Phase.Pending);
    assertThat(plan.rolloutStartedAt()).isEqualTo(NOW);
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(600)); // the progress deadline
  }

  @Test
  void steadyStateTouchesNothingAndIsHealthy() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = A;
    s.rolloutStart = null;
    s.add(readyPods("a", A, 3));

    Plan plan = s.plan();

    assertThat(plan.touchesPods()).isFalse();
    assertThat(plan.phase()).isEqualTo(Phase.Healthy);
    assertThat(plan.message()).isEqualTo("3 of 3 workers ready");
    assertThat(plan.rolloutStartedAt()).isNull();
    assertThat(plan.requeueAfter()).isNull();
  }

  @Test
  void versionChangeCreatesPreviewPodsBesideTheActiveOnes() {
    Scenario s = new Scenario();
    s.add(readyPods("a", A, 3));
    s.firstSeen();

    Plan plan = s.plan();

    assertThat(plan.creates()).containsExactly(new Plan.Create(B, 3));
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.promoted()).isFalse();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
    assertThat(plan.rolloutStartedAt()).isEqualTo(NOW);
  }

  @Test
  void capacityFirst_previewReadyButNotForMinReadySecondsDrainsNothingAndRequeuesForTheRemainder() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getStrategy().setMinReadySeconds(30);
    });
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B).ready(NOW.minusSeconds(20)),
        pod("b-1", B).ready(NOW.minusSeconds(25)),
        pod("b-2", B).ready(NOW.minusSeconds(5)));

    Plan plan = s.plan();

    assertThat(plan.promoted()).isFalse();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.creates()).isEmpty();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
    // b-1 is the first to reach 30s, in 5s (plus a small margin).
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(5).plusMillis(50));
  }

  @Test
  void capacityFirst_fewerThanReplicasReadyPreviewPodsDrainNothing() {
    Scenario s = new Scenario();
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B).ready(), pod("b-1", B).ready(), pod("b-2", B));

    Plan plan = s.plan();

    assertThat(plan.promoted()).isFalse();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.creates()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
    assertThat(plan.message()).contains("2 of 3 new workers ready");
  }

  @Test
  void promotionLabelsThePreviewActiveAndTheOldPodsServeUntilTheNewOnesHaveSeenIt() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getStrategy().setMinReadySeconds(30);
    });
    // Only two old pods are left (one failed earlier): without promotion one would be created.
    s.add(pod("a-0", A).ready(), pod("a-1", A).ready());
    s.add(pod("b-0", B).ready(NOW.minusSeconds(30)).role(Names.ROLE_PREVIEW));
    s.add(previewPods("c", B, 2));

    Plan plan = s.plan();

    assertThat(plan.promoted()).isTrue();
    assertThat(plan.activeRevision()).isEqualTo(B);
    assertThat(plan.promotes()).extracting(PodState::name).containsExactlyInAnyOrder("b-0", "c-0", "c-1");
    assertThat(plan.drains()).as("no old pod is marked before the new ones have seen their role").isEmpty();
    assertThat(plan.handingOver()).extracting(PodState::name).containsExactlyInAnyOrder("a-0", "a-1");
    assertThat(plan.creates()).as("the old revision is no longer replaced").isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
    assertThat(plan.requeueAfter()).isEqualTo(RolloutPlanner.ROLE_SETTLE);
  }

  @Test
  void theOldPodsDrainOnceEveryPromotedPodHasHadTimeToSeeItsRole() {
    Scenario s = new Scenario();
    s.recordedActive = B; // promoted in an earlier pass
    s.add(readyPods("a", A, 2));
    s.add(pod("b-0", B).ready().promoted(NOW.minusSeconds(3)), pod("b-1", B).ready().promoted(NOW.minusSeconds(3)));
    s.add(pod("b-2", B).ready().promoted(NOW.minusMillis(2500)));

    Plan waiting = s.plan();
    assertThat(waiting.drains()).isEmpty();
    assertThat(waiting.handingOver()).extracting(PodState::name).containsExactlyInAnyOrder("a-0", "a-1");
    assertThat(waiting.requeueAfter()).isEqualTo(Duration.ofMillis(500));
    assertThat(waiting.promotes()).as("already labelled").isEmpty();

    s.pods.removeIf(p -> p.name().equals("b-2"));
    s.add(pod("b-2", B).ready().promoted(NOW.minusSeconds(3)));
    Plan handedOver = s.plan();
    assertThat(handedOver.handingOver()).isEmpty();
    assertThat(handedOver.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactlyInAnyOrder(tuple("a-0", "replaced by revision rev-b"), tuple("a-1", "replaced by revision rev-b"));
  }

  @Test
  void anActivePodWithoutItsRoleLabelIsLabelled() {
    Scenario s = new Scenario();
    s.target = A;
    s.add(readyPods("a", A, 2));
    s.add(pod("a-2", A).ready().role("something-else"));

    Plan plan = s.plan();

    assertThat(plan.promotes()).extracting(PodState::name).containsExactly("a-2");
    assertThat(plan.drains()).isEmpty();
  }

  @Test
  void promotionWhenTheOldRevisionHasNoPodsLeftIsHealthy() {
    Scenario s = new Scenario();
    s.add(previewPods("b", B, 3));

    Plan plan = s.plan();

    assertThat(plan.promoted()).isTrue();
    assertThat(plan.promotes()).hasSize(3);
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.creates()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Healthy);
    assertThat(plan.message()).isEqualTo("3 of 3 workers ready");
  }

  @Test
  void activeScaleDownDrainsAreReplacedByThePromotionDrains() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(2);
    s.add(readyPods("a", A, 3));
    s.add(previewPods("b", B, 2));

    Plan plan = s.plan();

    assertThat(plan.drains()).as("no scale-down drain of a pod that hands over").isEmpty();
    assertThat(plan.handingOver()).extracting(PodState::name)
        .containsExactlyInAnyOrder("a-0", "a-1", "a-2")
        .doesNotHaveDuplicates();
  }

  @Test
  void autoPromoteFalseWaitsForPromotionWithoutDraining() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getStrategy().setAutoPromote(false);
    });
    s.add(readyPods("a", A, 3));
    s.add(previewPods("b", B, 3));

    Plan plan = s.plan();

    assertThat(plan.awaitingPromotion()).isTrue();
    assertThat(plan.promotes()).as("a waiting preview keeps its role").isEmpty();
    assertThat(plan.promoted()).isFalse();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.phase()).isEqualTo(Phase.AwaitingPromotion);
    assertThat(plan.progressDeadlineExceeded()).isFalse();

    s.promoteRequested = true;
    Plan promoted = s.plan();
    assertThat(promoted.promoted()).isTrue();
    assertThat(promoted.activeRevision()).isEqualTo(B);
    assertThat(promoted.promotes()).hasSize(3);
    assertThat(promoted.handingOver()).hasSize(3);
  }

  // ---------------------------------------------------------------- draining (annotation trigger)

  @Test
  void drainingPodReadingZeroAfterTheSettleTimeIsDeleted() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(10), NOW.plusSeconds(3590)));
    s.reading("a-0", 0);

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason,
            Plan.Delete::gracePeriodSeconds, Plan.Delete::callsCut)
        .containsExactly(tuple("a-0", DeleteReason.DRAINED, null, 0));
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
  }

  @Test
  void drainingPodReadingZeroWithinTheSettleTimeIsKeptAndLookedAtAgain() {
    // Marked 2 s ago: its worker is given 3 s (RolloutPlanner.ROLE_SETTLE) to see the mark.
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(2), NOW.plusSeconds(3598)));
    s.reading("a-0", 0);

    Plan plan = s.plan();

    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void drainingPodWithoutAStartTimeIsNotDeletedOnItsFirstZero() {
    // Only the label: the start time is unknown, so the settle time counts from now.
    Scenario s = drainingScenario(pod("a-0", A).drainLabel());
    s.reading("a-0", 0);

    assertThat(s.plan().deletes()).isEmpty();
  }

  @Test
  void drainingPodWithCallsIsKeptUntilItsDeadline() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(100), NOW.plusSeconds(1)));
    s.reading("a-0", 3);

    Plan plan = s.plan();

    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.stalled()).isEmpty();
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(1)); // the deadline, sooner than the poll
    assertThat(plan.message()).isEqualTo("1 old worker draining, 3 calls in flight");
  }

  @Test
  void drainingPodWithUnknownOrMissingReadingIsKeptUntilItsDeadline() {
    Scenario s = drainingScenario(
        pod("a-0", A).draining(NOW.minusSeconds(100), NOW.plusSeconds(100)),
        pod("a-1", A).draining(NOW.minusSeconds(100), NOW.plusSeconds(100)));
    s.readings.put("a-0", InFlight.unknown("connection refused"));
    // a-1 was not probed at all.

    Plan plan = s.plan();

    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(5)); // pollSeconds
  }

  @Test
  void atTheDeadlineTerminateDeletesAndCountsTheCallsCut() {
    Scenario s = drainingScenario(
        pod("a-0", A).draining(NOW.minusSeconds(3600), NOW),
        pod("a-1", A).draining(NOW.minusSeconds(3600), NOW.minusSeconds(1)),
        pod("a-2", A).draining(NOW.minusSeconds(3600), NOW.minusSeconds(1)));
    s.reading("a-0", 2);
    s.readings.put("a-1", InFlight.unknown("timeout"));
    s.lastKnown.put("a-1", 4); // the last reading that succeeded
    s.readings.put("a-2", InFlight.unknown("timeout")); // never read

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason,
            Plan.Delete::gracePeriodSeconds, Plan.Delete::callsCut)
        .containsExactlyInAnyOrder(
            tuple("a-0", DeleteReason.DEADLINE, null, 2),
            tuple("a-1", DeleteReason.DEADLINE, null, 4),
            tuple("a-2", DeleteReason.DEADLINE, null, 0));
  }

  @Test
  void annotatedDeadlineWinsOverStartPlusTimeout() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW.plusSeconds(1)));
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setTimeoutSeconds(60); // start + timeout passed long ago
    });
    s.reading("a-0", 1);

    assertThat(s.plan().deletes()).isEmpty();
  }

  @Test
  void withoutADeadlineAnnotationTheDeadlineIsStartPlusTimeout() {
    Scenario s = drainingScenario(pod("a-0", A).drainStartedOnly(NOW.minusSeconds(60)));
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setTimeoutSeconds(60);
    });
    s.reading("a-0", 1);

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason, Plan.Delete::callsCut)
        .containsExactly(tuple("a-0", DeleteReason.DEADLINE, 1));
    assertThat(plan.drains()).extracting(Plan.Drain::reason).containsExactly("restore drain mark");
  }

  @Test
  void atTheDeadlineWaitKeepsThePodAndDegrades() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW.minusSeconds(5)));
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setOnTimeout(OnTimeout.Wait);
    });
    s.reading("a-0", 2);

    Plan plan = s.plan();

    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.stalled()).extracting(PodState::name).containsExactly("a-0");
    assertThat(plan.phase()).isEqualTo(Phase.Degraded);
    assertThat(plan.message()).contains("a-0").contains("onTimeout: Wait");
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void atTheDeadlineWaitStillDeletesOnZero() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(3600), NOW.minusSeconds(5)));
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setOnTimeout(OnTimeout.Wait);
    });
    s.reading("a-0", 0);

    assertThat(s.plan().deletes()).extracting(Plan.Delete::reason).containsExactly(DeleteReason.DRAINED);
  }

  @Test
  void podThatExitedWhileDrainingIsDeleted() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(10), NOW.plusSeconds(3590)).phase("Failed"));
    s.reading("a-0", 2); // a stale reading must not keep a dead pod

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason, Plan.Delete::callsCut)
        .containsExactly(tuple("a-0", DeleteReason.EXITED, 0));
  }

  // ---------------------------------------------------------------- draining (signal trigger)

  @Test
  void signalTriggerDeletesAtDrainStartWithTheDrainTimeoutAsGracePeriod() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(2);
      x.getDrain().setTrigger(DrainTrigger.Signal);
      x.getDrain().setTimeoutSeconds(900);
    });
    s.recordedActive = B; // promoted, and the new pods have seen it
    s.add(readyPods("a", A, 2));
    s.add(readyPods("b", B, 2));

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name()).containsExactlyInAnyOrder("a-0", "a-1");
    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason,
            Plan.Delete::gracePeriodSeconds, Plan.Delete::callsCut)
        .containsExactlyInAnyOrder(
            tuple("a-0", DeleteReason.SIGNAL, 900L, 0),
            tuple("a-1", DeleteReason.SIGNAL, 900L, 0));
  }

  @Test
  void signalTriggerDeletesAMarkedPodTheLastOperatorDidNotDelete() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(10), NOW.plusSeconds(890)));
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setTrigger(DrainTrigger.Signal);
      x.getDrain().setTimeoutSeconds(900);
    });
    s.reading("a-0", 4);

    assertThat(s.plan().deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason,
            Plan.Delete::gracePeriodSeconds)
        .containsExactly(tuple("a-0", DeleteReason.SIGNAL, 900L));
  }

  @Test
  void terminatingPodsAreNeverDeletedAgainButKeepTheOperatorPolling() {
    Scenario s = drainingScenario(pod("a-0", A).draining(NOW.minusSeconds(10), NOW.plusSeconds(890)).terminating());
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getDrain().setTrigger(DrainTrigger.Signal);
    });
    s.reading("a-0", 4);

    Plan plan = s.plan();

    assertThat(plan.deletes()).as("a second SIGTERM would cut the calls").isEmpty();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(5));
  }

  // ---------------------------------------------------------------- scaling

  @Test
  void scaleDownDrainsNotReadyPodsFirstThenTheFewestCalls() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = A;
    s.spec = Fixtures.spec(2);
    s.add(pod("a-0", A).ready(), pod("a-1", A).ready(), pod("a-2", A), pod("a-3", A).ready());
    s.reading("a-0", 5);
    s.reading("a-1", 1);
    s.reading("a-2", 3);
    s.readings.put("a-3", InFlight.unknown("timeout"));

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactlyInAnyOrder(tuple("a-2", "scale-down"), tuple("a-1", "scale-down"));
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.creates()).isEmpty();
  }

  @Test
  void scaleDownTreatsUnknownAsBusiestAndPrefersTheNewestOnATie() {
    List<PodState> pods = List.of(
        pod("a-0", A).ready().created(NOW.minusSeconds(300)).build(),
        pod("a-1", A).ready().created(NOW.minusSeconds(200)).build(),
        pod("a-2", A).ready().created(NOW.minusSeconds(100)).build(),
        pod("a-3", A).ready().created(NOW.minusSeconds(50)).build());
    Map<String, InFlight> readings = Map.of(
        "a-0", InFlight.of(1), "a-1", InFlight.of(1), "a-2", InFlight.unknown("x"), "a-3", InFlight.of(2));

    assertThat(RolloutPlanner.surplus(pods, 1, readings)).extracting(PodState::name).containsExactly("a-1");
    assertThat(RolloutPlanner.surplus(pods, 3, readings)).extracting(PodState::name)
        .containsExactly("a-1", "a-0", "a-3");
  }

  @Test
  void scaleUpCreatesTheMissingActivePods() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = A;
    s.spec = Fixtures.spec(5);
    s.add(readyPods("a", A, 3));

    Plan plan = s.plan();

    assertThat(plan.creates()).containsExactly(new Plan.Create(A, 2));
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
  }

  // ---------------------------------------------------------------- superseded, several old revisions

  @Test
  void newerVersionMidRolloutDrainsTheSupersededPreviewWhileTheActiveStays() {
    Scenario s = new Scenario();
    s.target = C;
    s.recordedActive = A;
    s.firstSeen();
    s.add(readyPods("a", A, 3));
    s.add(previewPods("b", B, 3));

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactlyInAnyOrder(tuple("b-0", "superseded"), tuple("b-1", "superseded"), tuple("b-2", "superseded"));
    assertThat(plan.creates()).containsExactly(new Plan.Create(C, 3));
    assertThat(plan.promoted()).isFalse();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
  }

  @Test
  void twoOldRevisionsDrainAtOnceEachOnItsOwnReading() {
    Scenario s = new Scenario();
    s.target = C;
    s.recordedActive = C;
    s.add(readyPods("c", C, 3));
    s.add(pod("a-0", A).draining(NOW.minusSeconds(600), NOW.plusSeconds(3000)),
        pod("b-0", B).draining(NOW.minusSeconds(60), NOW.plusSeconds(3540)));
    s.reading("a-0", 0);
    s.reading("b-0", 3);

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name()).containsExactly("a-0");
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.creates()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
    assertThat(plan.message()).isEqualTo("2 old workers draining, 3 calls in flight");
  }

  // ---------------------------------------------------------------- paused, deadline

  @Test
  void pausedCreatesNoPreviewPods() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.setPaused(true);
    });
    s.firstSeen();
    s.add(readyPods("a", A, 3));

    Plan plan = s.plan();

    assertThat(plan.creates()).isEmpty();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.phase()).isEqualTo(Phase.Paused);
    assertThat(plan.message()).contains("0 of 3 new workers ready");
    assertThat(plan.rolloutStartedAt()).as("no progress clock while paused").isNull();
  }

  @Test
  void pausedDoesNotPromoteAReadyPreview() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(2);
      x.setPaused(true);
    });
    s.add(readyPods("a", A, 2));
    s.add(readyPods("b", B, 2));

    Plan plan = s.plan();

    assertThat(plan.promoted()).isFalse();
    assertThat(plan.drains()).isEmpty();
    assertThat(plan.activeRevision()).isEqualTo(A);
  }

  @Test
  void progressDeadlinePassedDegrades() {
    Scenario s = new Scenario();
    s.spec = Fixtures.spec(x -> {
      x.setReplicas(3);
      x.getStrategy().setProgressDeadlineSeconds(600);
    });
    s.rolloutStart = NOW.minusSeconds(600);
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B).ready(), pod("b-1", B), pod("b-2", B));

    Plan plan = s.plan();

    assertThat(plan.progressDeadlineExceeded()).isTrue();
    assertThat(plan.phase()).isEqualTo(Phase.Degraded);
    assertThat(plan.message()).isEqualTo("Progress deadline exceeded: 1 of 3 new workers ready after 600s");
    assertThat(plan.drains()).as("the old revision keeps serving").isEmpty();
    assertThat(plan.rolloutStartedAt()).isEqualTo(NOW.minusSeconds(600));
  }

  @Test
  void beforeTheProgressDeadlineItRequeuesForIt() {
    Scenario s = new Scenario();
    s.rolloutStart = NOW.minusSeconds(599);
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B), pod("b-1", B), pod("b-2", B));

    Plan plan = s.plan();

    assertThat(plan.progressDeadlineExceeded()).isFalse();
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  // ---------------------------------------------------------------- invariants and recovery

  @Test
  void nonActivePodThatLostADrainMarkGetsItRestored() {
    Scenario s = drainingScenario(
        pod("a-0", A).drainAnnotation(NOW.minusSeconds(30), NOW.plusSeconds(3570)),
        pod("a-1", A).drainLabel(),
        pod("a-2", A).draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)));
    s.reading("a-0", 2);
    s.reading("a-1", 1);
    s.reading("a-2", 1);

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactlyInAnyOrder(tuple("a-0", "restore drain mark"), tuple("a-1", "restore drain mark"));
    assertThat(plan.deletes()).isEmpty();
    assertThat(s.observation().activePods()).extracting(PodState::name).doesNotContain("a-0", "a-1");
  }

  @Test
  void failedActivePodIsDeletedAndReplaced() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = A;
    s.add(pod("a-0", A).ready(), pod("a-1", A).ready(), pod("a-2", A).phase("Failed"));

    Plan plan = s.plan();

    assertThat(plan.deletes()).extracting(d -> d.pod().name(), Plan.Delete::reason)
        .containsExactly(tuple("a-2", DeleteReason.EXITED));
    assertThat(plan.creates()).containsExactly(new Plan.Create(A, 1));
    assertThat(plan.phase()).isEqualTo(Phase.Progressing);
  }

  @Test
  void activePodsAreNotRecreatedMidRolloutWithoutTheActiveTemplate() {
    Scenario s = new Scenario();
    s.activeTemplateKnown = false;
    s.add(pod("a-0", A).ready(), pod("a-1", A).ready());

    Plan plan = s.plan();

    assertThat(plan.creates()).containsExactly(new Plan.Create(B, 3));
  }

  @Test
  void withoutRecordedActiveTheRevisionWithReadyPodsIsActive() {
    Scenario s = new Scenario();
    s.recordedActive = null; // status lost
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B).ready());

    Observation obs = s.observation();
    Plan plan = s.plan();

    assertThat(obs.active()).isEqualTo(A);
    assertThat(obs.activeRecovered()).isTrue();
    assertThat(plan.activeRevision()).isEqualTo(A);
    assertThat(plan.promoted()).isFalse();
    assertThat(plan.drains()).as("the serving revision is not drained").isEmpty();
    assertThat(plan.creates()).containsExactly(new Plan.Create(B, 2));
  }

  @Test
  void recoveryNeverPicksADrainingRevisionAsActive() {
    Scenario s = new Scenario();
    s.recordedActive = null;
    s.add(pod("a-0", A).ready().draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)),
        pod("a-1", A).ready().draining(NOW.minusSeconds(30), NOW.plusSeconds(3570)));
    s.add(pod("b-0", B).ready());
    s.reading("a-0", 1);
    s.reading("a-1", 1);

    Plan plan = s.plan();

    assertThat(s.observation().activeRecovered()).isFalse();
    assertThat(plan.activeRevision()).isEqualTo(B);
    assertThat(plan.creates()).containsExactly(new Plan.Create(B, 2));
    assertThat(plan.drains()).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  /** Active B with 3 ready pods, target B (rollout done), plus the given old pods. */
  private static Scenario drainingScenario(TestPod... old) {
    Scenario s = new Scenario();
    s.target = B;
    s.recordedActive = B;
    s.add(readyPods("b", B, 3));
    s.add(old);
    return s;
  }

  private static TestPod[] readyPods(String prefix, String revision, int n) {
    return IntStream.range(0, n).mapToObj(i -> pod(prefix + "-" + i, revision).ready(LONG_AGO)).toArray(TestPod[]::new);
  }

  /** Ready pods created for a rollout: labelled role=preview until promoted. */
  private static TestPod[] previewPods(String prefix, String revision, int n) {
    return IntStream.range(0, n).mapToObj(i -> pod(prefix + "-" + i, revision).ready(LONG_AGO).role(Names.ROLE_PREVIEW))
        .toArray(TestPod[]::new);
  }

  /** One reconcile's input; defaults: 3 replicas, active A, target B (a rollout), clock started 10s ago. */
  private static final class Scenario {
    EffectiveSpec spec = Fixtures.spec(3);
    String target = B;
    String recordedActive = A;
    private boolean firstSeen;
    Instant rolloutStart = NOW.minusSeconds(10);
    final List<PodState> pods = new ArrayList<>();
    final Map<String, InFlight> readings = new HashMap<>();
    final Map<String, Integer> lastKnown = new HashMap<>();
    boolean activeTemplateKnown = true;
    boolean promoteRequested;
    boolean aborted;
    final Map<String, String> disrupted = new HashMap<>();

    /** The operator sees this target for the first time (status.targetRevision differs). */
    void firstSeen() {
      firstSeen = true;
      rolloutStart = null;
    }

    void add(TestPod... ps) {
      for (TestPod p : ps) {
        pods.add(p.build());
      }
    }

    void reading(String pod, int count) {
      readings.put(pod, InFlight.of(count));
    }

    Observation observation() {
      return Observation.of(target, recordedActive, pods);
    }

    Plan plan() {
      return RolloutPlanner.plan(new RolloutPlanner.Input(spec, observation(), firstSeen ? null : target,
          rolloutStart, readings, lastKnown, activeTemplateKnown, promoteRequested, aborted, NOW, false, disrupted));
    }
  }

  // ---------------------------------------------------------------- evacuating a node

  /** Healthy at A with 3 pods, two of them (a-0, a-1) on node n1, which is being drained. */
  private static Scenario evacuation() {
    Scenario s = new Scenario();
    s.target = A;
    s.recordedActive = A;
    s.rolloutStart = null;
    s.add(pod("a-0", A).ready(LONG_AGO).on("n1"), pod("a-1", A).ready(LONG_AGO).on("n1"),
        pod("a-2", A).ready(LONG_AGO).on("n2"));
    s.disrupted.put("n1", "cordoned");
    return s;
  }

  @Test
  void aDisruptedNodesActivePodsAreReplacedFirstAndKeepServing() {
    Scenario s = evacuation();

    Plan plan = s.plan();

    assertThat(plan.creates()).containsExactly(new Plan.Create(A, 2));
    assertThat(plan.drains()).as("capacity first").isEmpty();
    assertThat(plan.evacuating()).extracting(PodState::name).containsExactlyInAnyOrder("a-0", "a-1");
    assertThat(plan.evacuatingNodes()).containsEntry("n1", "cordoned");
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
    assertThat(plan.message()).startsWith("Evacuating node n1 (cordoned): 2 workers serving until a replacement is ready");
  }

  @Test
  void eachReadyReplacementLetsOneEvacuatedPodDrainTheLeastBusyFirst() {
    Scenario s = evacuation();
    s.add(pod("a-3", A).ready(LONG_AGO).on("n2"), pod("a-4", A).on("n3")); // one replacement ready
    s.reading("a-0", 4);
    s.reading("a-1", 1);

    Plan plan = s.plan();

    assertThat(plan.creates()).isEmpty();
    assertThat(plan.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactly(tuple("a-1", "evacuating node n1 (cordoned)"));
    assertThat(plan.evacuating()).extracting(PodState::name).containsExactly("a-0");
  }

  @Test
  void aNotReadyPodOnADisruptedNodeGoesAtOnce() {
    Scenario s = evacuation();
    s.pods.set(1, pod("a-1", A).on("n1").build()); // not ready: takes no call

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name()).containsExactly("a-1");
    assertThat(plan.creates()).containsExactly(new Plan.Create(A, 2));
  }

  @Test
  void anUncordonedNodesPodsStayAndTheSurplusIsScaledDown() {
    Scenario s = evacuation();
    s.add(pod("a-3", A).ready(LONG_AGO).on("n2"), pod("a-4", A).ready(LONG_AGO).on("n3"));
    s.disrupted.clear();
    s.reading("a-0", 2);
    s.reading("a-1", 0);
    s.reading("a-2", 3);
    s.reading("a-3", 1);
    s.reading("a-4", 5);

    Plan plan = s.plan();

    assertThat(plan.drains()).extracting(d -> d.pod().name(), Plan.Drain::reason)
        .containsExactlyInAnyOrder(tuple("a-1", "scale-down"), tuple("a-3", "scale-down"));
    assertThat(plan.evacuatingNodes()).isEmpty();
  }

  @Test
  void aPreviewPodOnADisruptedNodeIsDrainedAndStartedElsewhere() {
    Scenario s = new Scenario();
    s.add(readyPods("a", A, 3));
    s.add(pod("b-0", B).ready(LONG_AGO).role(Names.ROLE_PREVIEW).on("n1"),
        pod("b-1", B).ready(LONG_AGO).role(Names.ROLE_PREVIEW), pod("b-2", B).ready(LONG_AGO).role(Names.ROLE_PREVIEW));
    s.disrupted.put("n1", "tainted karpenter.sh/disrupted:NoSchedule");

    Plan plan = s.plan();

    assertThat(plan.promoted()).as("not onto a node being taken away").isFalse();
    assertThat(plan.drains()).extracting(d -> d.pod().name()).containsExactly("b-0");
    assertThat(plan.creates()).containsExactly(new Plan.Create(B, 1));
  }

  @Test
  void aDrainingPodOnADisruptedNodeKeepsDrainingAndIsNotReplaced() {
    Scenario s = evacuation();
    s.pods.clear();
    s.add(readyPods("a", A, 3));
    s.add(pod("z-0", C).ready(LONG_AGO).on("n1").draining(NOW.minusSeconds(30), NOW.plusSeconds(3000)));
    s.reading("z-0", 1);

    Plan plan = s.plan();

    assertThat(plan.creates()).isEmpty();
    assertThat(plan.deletes()).isEmpty();
    assertThat(plan.evacuatingNodes()).containsKey("n1");
    assertThat(plan.phase()).isEqualTo(Phase.Draining);
  }
}
