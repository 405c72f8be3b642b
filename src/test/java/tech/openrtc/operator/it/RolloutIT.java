package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.sim.CallProfile;

class RolloutIT {

  OperatorTestSupport t;

  @BeforeEach
  void start() {
    t = OperatorTestSupport.start();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void fullRolloutUnderSteadyCallsCutsNothing() {
    t.create(deployment("support", "v1", 3));
    t.awaitHealthyAt("support", "v1", Duration.ofSeconds(20));
    assertThat(t.pods("support")).hasSize(3);

    t.sim.calls(OperatorTestSupport.NS, "support", CallProfile.uniform(8, Duration.ofMillis(500), Duration.ofSeconds(3)));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> t.sim.ledger().live() > 0);

    t.setVersion("support", "v2");
    AgentDeployment done = t.awaitHealthyAt("support", "v2", Duration.ofSeconds(40));

    assertThat(t.pods("support")).hasSize(3).allMatch(p -> OperatorTestSupport.version(p).equals("v2"));
    assertThat(done.getStatus().getVersions()).hasSize(1);
    assertThat(t.sim.ledger().started()).isGreaterThan(10);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }
}
