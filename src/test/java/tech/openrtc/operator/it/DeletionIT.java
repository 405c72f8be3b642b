package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/** `kubectl delete agd` drains like a rollout: no call is cut because the deployment went away. */
class DeletionIT extends OperatorIT {

  @Test
  void aDeletedDeploymentDrainsItsPodsBeforeItGoes() {
    t.create(deployment("bye", "v1", 2));
    t.awaitHealthyAt("bye", "v1", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5))
        .until(() -> t.get("bye").getMetadata().getFinalizers().contains(Names.FINALIZER));
    CallGenerator calls = t.sim.calls(NS, "bye", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(6))).isPresent();
    String busy = t.pods("bye").stream().map(p -> p.getMetadata().getName())
        .filter(name -> t.sim.ledger().liveOnPod(NS, name) > 0).findFirst().orElseThrow();

    t.user.resources(AgentDeployment.class).inNamespace(NS).withName("bye").delete();

    // The idle pod goes after the settle time; the busy one drains and stays, and so does the resource.
    await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("bye").size() == 1);
    List<Pod> left = t.pods("bye");
    assertThat(left).singleElement().satisfies(p -> {
      assertThat(p.getMetadata().getName()).isEqualTo(busy);
      assertThat(OperatorTestSupport.draining(p)).isTrue();
    });
    AgentDeployment deleting = t.get("bye");
    assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
    await().atMost(Duration.ofSeconds(5)).until(() -> t.get("bye").getStatus().getMessage().startsWith("Deleting"));
    assertThat(t.get("bye").getStatus().getPhase()).isEqualTo(Phase.Draining);
    assertThat(t.sim.ledger().liveOnPod(NS, busy)).isEqualTo(1);

    // The call ends: the pod goes, then the finalizer, then the AgentDeployment.
    await().atMost(Duration.ofSeconds(20)).until(() -> t.get("bye") == null);
    assertThat(t.pods("bye")).isEmpty();
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }
}
