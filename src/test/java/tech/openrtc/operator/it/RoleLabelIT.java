package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.SimOptions;
import tech.openrtc.operator.sim.SimOptions.Propagation;
import tech.openrtc.operator.sim.SimWorker;

/**
 * Promotion on a cluster whose kubelets are as slow as real ones: podinfo files follow a pod
 * change in a second, ConfigMap and Secret volumes only on the periodic sync. Workers take calls by
 * their role label, so capacity first holds across those delays; gated on the membership
 * ConfigMap alone, the same rollout leaves calls with no worker.
 */
class RoleLabelIT {

  private OperatorTestSupport t;

  @AfterEach
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  private CallGenerator rollOutUnderCalls(Propagation propagation, Map<String, String> podAnnotations) {
    t = OperatorTestSupport.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(300))
        .withPropagation(propagation));
    AgentDeployment d = deployment("roles", "v1", 3);
    d.getSpec().getTemplate().getMetadata().setAnnotations(podAnnotations);
    t.create(d);
    t.awaitHealthyAt("roles", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "roles", CallProfile.uniform(10, Duration.ofMillis(500), Duration.ofSeconds(2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> t.sim.ledger().live() > 0);
    assertThat(calls.rejected()).as("before the rollout every call finds a worker").isZero();

    t.setVersion("roles", "v2");
    t.awaitHealthyAt("roles", "v2", Duration.ofSeconds(120));
    // Calls keep coming for a while after: the new workers take them.
    long startedAtHealthy = t.sim.ledger().started();
    await().atMost(propagation.configMapVolume().plusSeconds(15))
        .until(() -> t.sim.ledger().started() > startedAtHealthy + 10);
    calls.stop();
    System.out.printf("RoleLabelIT %s: %d of %d calls found no accepting worker, %d cut%n",
        podAnnotations.isEmpty() ? "role label" : "membership ConfigMap only",
        calls.rejected(), t.sim.ledger().started() + calls.rejected(), t.sim.ledger().cut());
    return calls;
  }

  @Test
  void withRoleLabelsNoCallFindsNoWorkerWhileVolumesAreAMinuteLate() {
    CallGenerator calls = rollOutUnderCalls(Propagation.kubelet(), Map.of());

    assertThat(calls.rejected()).as("calls that found no accepting worker").isZero();
    assertThat(t.sim.kubelet().workers()).filteredOn(SimWorker::accepting).hasSize(3)
        .allSatisfy(w -> assertThat(w.role()).isEqualTo(Names.ROLE_ACTIVE));
    // The new workers took calls before their membership volume said v2 (a minute late).
    assertThat(t.sim.kubelet().workers()).filteredOn(w -> w.version().equals("v2"))
        .allSatisfy(w -> assertThat(w.membership().ok()).as("membership volume not refreshed yet").isFalse());
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void gatedOnTheMembershipConfigMapAloneTheSameRolloutLeavesCallsWithoutAWorker() {
    // The model catches the gap: workers that ignore the role label wait for the ConfigMap volume.
    // 10 s late here to keep the suite short; -DroleLabelIT.volumeSeconds=60 runs it as a kubelet would.
    Duration volumes = Duration.ofSeconds(Long.getLong("roleLabelIT.volumeSeconds", 10));
    CallGenerator calls = rollOutUnderCalls(new Propagation(Duration.ofSeconds(1), volumes, volumes),
        Map.of(SimWorker.ANNOTATION_GATING, "membership"));

    assertThat(calls.rejected()).as("calls that found no accepting worker").isPositive();
    t.assertNoCallCut();
  }
}
