package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.Fault;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.SimWorker;

/** Drain deadlines, unreadable workers and the Signal trigger. */
class DrainIT extends OperatorIT {


  private SimWorker onlyWorker(String deployment, String version) {
    Pod pod = t.pods(deployment, p -> version(p).equals(version)).get(0);
    return t.sim.kubelet().worker(NS, pod.getMetadata().getName()).orElseThrow();
  }

  @Test
  void anUnreachableWorkerIsKeptUntilItsDeadlineThenTerminateCountsTheCallsCut() {
    AgentDeployment d = deployment("cut", "v1", 1);
    d.getSpec().getDrain().setTimeoutSeconds(4);
    d.getSpec().getDrain().setOnTimeout(OnTimeout.Terminate);
    d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(1L);
    t.create(d);
    t.awaitHealthyAt("cut", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "cut", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(60))).isPresent();
    SimWorker old = onlyWorker("cut", "v1");

    t.setVersion("cut", "v2");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      AgentDeployment s = t.get("cut");
      return s.getStatus().getPhase() == Phase.Draining && Integer.valueOf(1).equals(s.getStatus().getDrainingCalls());
    });
    old.setFault(Fault.REFUSE);
    await().atMost(Duration.ofSeconds(5)).until(() -> t.user.pods().inNamespace(NS).withName(old.podName()).get()
        .getMetadata().getAnnotations().containsKey(Names.ANNOTATION_DRAIN_DEADLINE));
    Pod drained = t.user.pods().inNamespace(NS).withName(old.podName()).get();
    Instant deadline = Instant.parse(drained.getMetadata().getAnnotations().get(Names.ANNOTATION_DRAIN_DEADLINE));

    // Unknown is never 0: the pod stays until its deadline...
    await().atMost(Duration.ofSeconds(15)).until(() -> t.pods("cut", p -> version(p).equals("v1")).isEmpty());
    PodDeletion deletion = t.sim.requests().podDeletions().stream()
        .filter(x -> x.name().equals(old.podName())).findFirst().orElseThrow();
    assertThat(deletion.at()).isAfterOrEqualTo(deadline);
    // ...then Terminate deletes it with the pod's own grace period and counts the call it cut.
    assertThat(deletion.gracePeriodSeconds()).isNull();
    AgentDeployment done = t.awaitHealthyAt("cut", "v2", Duration.ofSeconds(10));
    assertThat(done.getStatus().getCallsCut()).isEqualTo(1);
    assertThat(t.sim.ledger().cut()).isEqualTo(1);
    assertThat(t.user.v1().events().inNamespace(NS).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("deployment.calls_cut");
          assertThat(e.getType()).isEqualTo("Warning");
        });
  }

  @Test
  void waitKeepsAnUnreadablePodPastItsDeadlineAndReportsDegraded() {
    AgentDeployment d = deployment("wait", "v1", 1);
    d.getSpec().getDrain().setTimeoutSeconds(2);
    d.getSpec().getDrain().setOnTimeout(OnTimeout.Wait);
    t.create(d);
    t.awaitHealthyAt("wait", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "wait", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(7))).isPresent();
    SimWorker old = onlyWorker("wait", "v1");
    old.setFault(Fault.GARBAGE);

    t.setVersion("wait", "v2");
    AgentDeployment degraded = t.awaitPhase("wait", Phase.Degraded, Duration.ofSeconds(10));
    assertThat(degraded.getStatus().getMessage()).contains(old.podName()).contains("onTimeout: Wait");
    assertThat(t.pods("wait", p -> version(p).equals("v1"))).hasSize(1);

    // Once the worker answers again and its call has ended, the pod goes.
    old.setFault(Fault.NONE);
    t.awaitHealthyAt("wait", "v2", Duration.ofSeconds(15));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aHungWorkerDoesNotStallTheRolloutOfOthers() {
    AgentDeployment d = deployment("hang", "v1", 2);
    t.create(d);
    t.awaitHealthyAt("hang", "v1", Duration.ofSeconds(20));
    List<Pod> pods = t.pods("hang");
    SimWorker hung = t.sim.kubelet().worker(NS, pods.get(0).getMetadata().getName()).orElseThrow();
    CallGenerator calls = t.sim.calls(NS, "hang", CallProfile.manual());
    while (hung.activeCalls() == 0) {
      calls.placeCall(Duration.ofSeconds(4));
    }
    hung.setFault(Fault.HANG);

    t.setVersion("hang", "v2");
    // The healthy old pod drains at once (after the 3 s settle time); the hung one is probed with a
    // timeout and kept.
    await().atMost(Duration.ofSeconds(20)).until(() -> t.pods("hang", p -> version(p).equals("v1")).size() == 1);
    assertThat(t.pods("hang", p -> version(p).equals("v1"))).extracting(p -> p.getMetadata().getName())
        .containsExactly(hung.podName());
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
        .until(() -> t.pods("hang", p -> version(p).equals("v1")).size() == 1);
    hung.setFault(Fault.NONE);
    t.awaitHealthyAt("hang", "v2", Duration.ofSeconds(15));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void signalTriggerDeletesOnceWithTheDrainTimeoutAsGracePeriod() {
    AgentDeployment d = deployment("sig", "v1", 2);
    d.getSpec().getDrain().setTrigger(DrainTrigger.Signal);
    d.getSpec().getDrain().setTimeoutSeconds(30);
    t.create(d);
    t.awaitHealthyAt("sig", "v1", Duration.ofSeconds(20));
    assertThat(t.pods("sig")).allMatch(p -> p.getSpec().getTerminationGracePeriodSeconds() >= 30);
    CallGenerator calls = t.sim.calls(NS, "sig", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(4))).isPresent();
    assertThat(calls.placeCall(Duration.ofSeconds(4))).isPresent();

    t.setVersion("sig", "v2");
    // Terminating old pods keep reporting their calls.
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      AgentDeployment s = t.get("sig");
      return s.getStatus().getDrainingCalls() != null && s.getStatus().getDrainingCalls() == 2;
    });
    t.awaitHealthyAt("sig", "v2", Duration.ofSeconds(20));

    List<PodDeletion> deletions = t.sim.requests().podDeletions();
    assertThat(deletions).hasSize(2)
        .allSatisfy(x -> {
          assertThat(x.gracePeriodSeconds()).isEqualTo(30L);
          assertThat(x.repeat()).as("a second SIGTERM").isFalse();
        });
    assertThat(t.sim.ledger().completed()).isEqualTo(2);
    t.assertNoCallCut();
  }
}
