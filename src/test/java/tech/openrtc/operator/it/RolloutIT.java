package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.draining;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/** Rollouts on the simulated cluster, each checked against the call ledger. */
class RolloutIT extends OperatorIT {


  @Test
  void fullRolloutUnderSteadyCallsCutsNothing() {
    t.create(deployment("support", "v1", 3));
    t.awaitHealthyAt("support", "v1", Duration.ofSeconds(20));
    assertThat(t.pods("support")).hasSize(3);

    t.sim.calls(NS, "support", CallProfile.uniform(8, Duration.ofMillis(500), Duration.ofSeconds(3)));
    await().atMost(Duration.ofSeconds(5)).until(() -> t.sim.ledger().live() > 0);

    try (CapacitySampler capacity = new CapacitySampler(t.user, NS, "support", "v1", List.of("v2"), 3)) {
      t.setVersion("support", "v2");
      AgentDeployment done = t.awaitHealthyAt("support", "v2", Duration.ofSeconds(40));
      capacity.assertCapacityKept();
      assertThat(done.getStatus().getVersions()).singleElement()
          .satisfies(v -> assertThat(v.getRole()).isEqualTo(Role.Active));
    }
    assertThat(t.pods("support")).hasSize(3).allMatch(p -> version(p).equals("v2"));
    assertThat(t.sim.ledger().started()).isGreaterThan(10);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void promotionWaitsUntilEveryNewWorkerIsReady() {
    t.create(deployment("capacity", "v1", 3));
    t.awaitHealthyAt("capacity", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "capacity", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));

    try (CapacitySampler capacity = new CapacitySampler(t.user, NS, "capacity", "v1", List.of("v2"), 3)) {
      t.patchSpec("capacity", "{\"version\":\"v2\",\"template\":{\"metadata\":{\"annotations\":"
          + "{\"sim.openrtc.tech/startup-delay-ms\":\"1500\"}}}}");
      await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("capacity", p -> version(p).equals("v2")).size() == 3);
      // One new worker dies before it is ready: its replacement starts 1.5 s behind the others,
      // and for that long only 2 of 3 new workers are ready. No old worker may drain meanwhile.
      Pod slow = t.pods("capacity", p -> version(p).equals("v2")).get(0);
      t.sim.kubelet().worker(NS, slow.getMetadata().getName()).orElseThrow().crash();
      t.awaitHealthyAt("capacity", "v2", Duration.ofSeconds(30));
      capacity.assertCapacityKept();
    }
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void oldPodsAreHeldUntilCallsLongerThanTheRolloutEnd() {
    t.create(deployment("long", "v1", 2));
    t.awaitHealthyAt("long", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "long", CallProfile.manual());
    // Long enough to outlast the hand-over (3 s) and the drain settle time (3 s) after it.
    assertThat(calls.placeCall(Duration.ofSeconds(10))).isPresent();
    assertThat(calls.placeCall(Duration.ofSeconds(10))).isPresent();

    t.setVersion("long", "v2");
    AgentDeployment draining = t.awaitPhase("long", Phase.Draining, Duration.ofSeconds(10));
    assertThat(draining.getStatus().getActiveVersion()).isEqualTo("v2");
    // Promoted, but the v1 pods still carry their calls: they stay, marked draining. (Status is
    // written before the pods are marked, so the marks may trail the phase by a moment.)
    await().atMost(Duration.ofSeconds(5)).until(() ->
        t.pods("long", p -> version(p).equals("v1")).stream().filter(OperatorTestSupport::draining).count() == 2);
    assertThat(t.pods("long", p -> version(p).equals("v1"))).hasSize(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> t.get("long").getStatus().getDrainingCalls() == 2);

    t.awaitHealthyAt("long", "v2", Duration.ofSeconds(20));
    assertThat(t.sim.ledger().completed()).isEqualTo(2);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aNewerVersionMidRolloutSupersedesThePreview() {
    t.create(deployment("mid", "v1", 2));
    t.awaitHealthyAt("mid", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "mid", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));

    try (CapacitySampler capacity = new CapacitySampler(t.user, NS, "mid", "v1", List.of("v2", "v3"), 2)) {
      // v2 starts slowly: it is still a preview when v3 arrives.
      t.patchSpec("mid", "{\"version\":\"v2\",\"template\":{\"metadata\":{\"annotations\":"
          + "{\"sim.openrtc.tech/startup-delay-ms\":\"60000\"}}}}");
      await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("mid", p -> version(p).equals("v2")).size() == 2);
      assertThat(t.get("mid").getStatus().getPhase()).isEqualTo(Phase.Progressing);

      t.patchSpec("mid", "{\"version\":\"v3\",\"template\":{\"metadata\":{\"annotations\":"
          + "{\"sim.openrtc.tech/startup-delay-ms\":\"200\"}}}}");
      t.awaitHealthyAt("mid", "v3", Duration.ofSeconds(30));
      capacity.assertCapacityKept();
    }
    assertThat(t.pods("mid")).hasSize(2).allMatch(p -> version(p).equals("v3"));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void twoOldRevisionsDrainAtOnce() {
    t.create(deployment("two", "v1", 1));
    t.awaitHealthyAt("two", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "two", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();

    t.setVersion("two", "v2");
    t.awaitPhase("two", Phase.Draining, Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.placeCall(Duration.ofSeconds(6)).isPresent());

    t.setVersion("two", "v3");
    await().atMost(Duration.ofSeconds(10)).until(() -> t.get("two").getStatus().getVersions().stream()
        .filter(v -> v.getRole() == Role.Draining).count() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> t.pods("two", OperatorTestSupport::draining).size() == 2);
    List<Pod> drainingPods = t.pods("two", OperatorTestSupport::draining);
    assertThat(drainingPods).extracting(OperatorTestSupport::version).containsExactlyInAnyOrder("v1", "v2");

    t.awaitHealthyAt("two", "v3", Duration.ofSeconds(30));
    assertThat(t.sim.ledger().completed()).isEqualTo(2);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void scaleUpAndDownKeepsBusyPods() {
    t.create(deployment("scale", "v1", 3));
    t.awaitHealthyAt("scale", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "scale", CallProfile.manual());
    // Two busy pods, one idle: scaling to 2 must drain the idle one.
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isPresent();
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isPresent();

    t.patchSpec("scale", "{\"replicas\":2}");
    await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("scale").size() == 2);
    assertThat(t.sim.ledger().live()).isEqualTo(2);
    t.awaitPhase("scale", Phase.Healthy, Duration.ofSeconds(10));

    t.patchSpec("scale", "{\"replicas\":1}");
    // One of the two busy pods drains; it stays until its call ends.
    await().atMost(Duration.ofSeconds(5)).until(() -> t.pods("scale", OperatorTestSupport::draining).size() == 1);
    assertThat(t.pods("scale")).hasSize(2);
    await().atMost(Duration.ofSeconds(15)).until(() -> t.pods("scale").size() == 1);

    t.patchSpec("scale", "{\"replicas\":4}");
    AgentDeployment up = t.awaitPhase("scale", Phase.Healthy, Duration.ofSeconds(15));
    assertThat(up.getStatus().getReadyReplicas()).isEqualTo(4);
    assertThat(t.pods("scale")).hasSize(4).noneMatch(OperatorTestSupport::draining);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aCrashedOrDeletedActivePodIsReplaced() {
    t.create(deployment("crash", "v1", 2));
    t.awaitHealthyAt("crash", "v1", Duration.ofSeconds(20));
    Pod victim = t.pods("crash").get(0);
    t.sim.kubelet().worker(NS, victim.getMetadata().getName()).orElseThrow().crash();

    await().atMost(Duration.ofSeconds(15)).until(() -> {
      List<Pod> pods = t.pods("crash");
      return pods.size() == 2 && pods.stream().noneMatch(p -> p.getMetadata().getName().equals(victim.getMetadata().getName()));
    });
    t.awaitPhase("crash", Phase.Healthy, Duration.ofSeconds(10));

    Pod deleted = t.pods("crash").get(0);
    t.user.pods().inNamespace(NS).withName(deleted.getMetadata().getName()).delete();
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      List<Pod> pods = t.pods("crash");
      return pods.size() == 2 && pods.stream().noneMatch(p -> p.getMetadata().getName().equals(deleted.getMetadata().getName()));
    });
    assertThat(t.awaitPhase("crash", Phase.Healthy, Duration.ofSeconds(10)).getStatus().getReadyReplicas()).isEqualTo(2);
  }

  @Test
  void annotationSourceDrainsOnTheWorkersOwnCount() {
    AgentDeployment d = deployment("anno", "v1", 2);
    d.getSpec().getTemplate().getMetadata().setAnnotations(java.util.Map.of("sim.openrtc.tech/report-in-flight", "annotation"));
    d.getSpec().getDrain().setInFlight(new tech.openrtc.operator.api.InFlightSpec());
    d.getSpec().getDrain().getInFlight().setAnnotation(new tech.openrtc.operator.api.AnnotationInFlightSource());
    d.getSpec().getDrain().setPollSeconds(30);
    t.create(d);
    t.awaitHealthyAt("anno", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "anno", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(3))).isPresent();

    t.setVersion("anno", "v2");
    // pollSeconds is 30: only the annotation change can make this fast.
    t.awaitHealthyAt("anno", "v2", Duration.ofSeconds(15));
    assertThat(t.pods("anno")).allMatch(p -> version(p).equals("v2")).noneMatch(OperatorTestSupport::draining);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void pausedHoldsTheRolloutUntilResumed() {
    t.create(deployment("pause", "v1", 2));
    t.awaitHealthyAt("pause", "v1", Duration.ofSeconds(20));
    t.patchSpec("pause", "{\"paused\":true,\"version\":\"v2\"}");
    t.awaitPhase("pause", Phase.Paused, Duration.ofSeconds(10));
    // Nothing moves while paused.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
        .until(() -> t.pods("pause").stream().allMatch(p -> version(p).equals("v1")));

    t.patchSpec("pause", "{\"paused\":false}");
    t.awaitHealthyAt("pause", "v2", Duration.ofSeconds(20));
  }

  @Test
  void aRevisionThatNeverBecomesReadyHitsTheProgressDeadline() {
    AgentDeployment d = deployment("stuck", "v1", 2);
    t.create(d);
    t.awaitHealthyAt("stuck", "v1", Duration.ofSeconds(20));
    t.patchSpec("stuck", "{\"version\":\"v2\",\"strategy\":{\"progressDeadlineSeconds\":3},"
        + "\"template\":{\"metadata\":{\"annotations\":{\"sim.openrtc.tech/never-ready\":\"true\"}}}}");
    AgentDeployment degraded = t.awaitPhase("stuck", Phase.Degraded, Duration.ofSeconds(15));
    assertThat(degraded.getStatus().getMessage()).contains("Progress deadline exceeded");
    assertThat(degraded.getStatus().getActiveVersion()).isEqualTo("v1");
    // The old version keeps serving: nothing of v1 drained.
    assertThat(t.pods("stuck", p -> version(p).equals("v1"))).hasSize(2).noneMatch(OperatorTestSupport::draining);
    assertThat(degraded.getStatus().getConditions())
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Progressing");
          assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
        });
  }
}
