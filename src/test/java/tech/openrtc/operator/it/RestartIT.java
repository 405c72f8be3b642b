package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/** Invariant 4: a fresh operator finishes a rollout from cluster state alone. */
class RestartIT extends OperatorIT {


  @Test
  void stoppedWhileDrainingAFreshOperatorFinishes() {
    t.create(deployment("restart", "v1", 2));
    t.awaitHealthyAt("restart", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "restart", CallProfile.manual());
    calls.placeCall(Duration.ofSeconds(5));
    calls.placeCall(Duration.ofSeconds(5));
    t.sim.calls(NS, "restart", CallProfile.uniform(3, Duration.ofMillis(200), Duration.ofSeconds(2)));

    t.setVersion("restart", "v2");
    t.awaitPhase("restart", Phase.Draining, Duration.ofSeconds(10));
    t.stopOperator();
    // The calls outlive the first operator.
    assertThat(t.sim.ledger().live()).isGreaterThan(0);
    t.startOperator();

    t.awaitHealthyAt("restart", "v2", Duration.ofSeconds(30));
    assertThat(t.pods("restart")).hasSize(2).allMatch(p -> version(p).equals("v2"));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void stoppedBeforePromotionAFreshOperatorKeepsCapacityAndFinishes() {
    t.create(deployment("early", "v1", 2));
    t.awaitHealthyAt("early", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "early", CallProfile.uniform(3, Duration.ofMillis(200), Duration.ofSeconds(3)));

    try (CapacitySampler capacity = new CapacitySampler(t.user, NS, "early", "v1", List.of("v2"), 2)) {
      t.patchSpec("early", "{\"version\":\"v2\",\"template\":{\"metadata\":{\"annotations\":"
          + "{\"sim.openrtc.tech/startup-delay-ms\":\"2500\"}}}}");
      await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("early", p -> version(p).equals("v2")).size() == 2);
      t.stopOperator();
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
      t.startOperator();
      t.awaitHealthyAt("early", "v2", Duration.ofSeconds(30));
      capacity.assertCapacityKept();
    }
    // The fresh operator adopted the preview pods the first one created: no extra v2 pods.
    assertThat(t.pods("early")).hasSize(2).allMatch(p -> version(p).equals("v2"));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }
}
