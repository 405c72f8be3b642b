package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.DisruptionSpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.NodeDrain;
import tech.openrtc.operator.sim.SimNodes;
import tech.openrtc.operator.sim.SimOptions;
import tech.openrtc.operator.sim.SimWorker;

/**
 * Planned disruptions (a node drained through the eviction API, as kubectl, Karpenter and
 * cluster-autoscaler do it) cut no call and keep accepting workers at {@code replicas}; an
 * unplanned one (a forced delete) is counted. On the simulated cluster with Nodes, a scheduler, the
 * eviction API and the disruption controller's arithmetic.
 */
class NodeMaintenanceIT {

  private final OperatorTestSupport t = OperatorTestSupport.start(SimOptions.defaults()
      .withStartupDelay(Duration.ofMillis(300)).withNodes(3).withEvictionRetry(Duration.ofSeconds(1)));
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void close() {
    sampler.shutdownNow();
    t.close();
  }

  /** Calls longer than the template's grace period (2 s), active pods read every second. */
  private AgentDeployment busyDeployment(String name, String version, int replicas) {
    AgentDeployment d = deployment(name, version, replicas);
    d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(2L);
    d.getSpec().getDrain().setActivePollSeconds(1);
    return d;
  }

  private String nodeOf(Pod pod) {
    return pod.getSpec().getNodeName();
  }

  private List<Pod> podsOn(String node, String deployment) {
    return t.sim.nodes().podsOn(node).stream()
        .filter(p -> deployment.equals(p.getMetadata().getLabels().get(Names.LABEL_DEPLOYMENT))).toList();
  }

  /** The fewest accepting workers of the deployment seen from now on, sampled every 50 ms. */
  private AtomicInteger sampleAccepting(String deployment) {
    AtomicInteger min = new AtomicInteger(Integer.MAX_VALUE);
    sampler.scheduleAtFixedRate(() -> {
      int accepting = (int) t.sim.kubelet().workers().stream()
          .filter(w -> deployment.equals(w.deployment()) && w.accepting()).count();
      min.accumulateAndGet(accepting, Math::min);
    }, 0, 50, TimeUnit.MILLISECONDS);
    return min;
  }

  private List<Event> events(String reason) {
    return t.user.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"kubectl", "karpenter", "cluster-autoscaler"})
  void aDrainedNodesBusyWorkersAreReplacedThenDrainedAndNoCallIsCut(String how) {
    t.create(busyDeployment("nm", "v1", 3));
    t.awaitHealthyAt("nm", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "nm", CallProfile.manual());
    for (int i = 0; i < 6; i++) {
      assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();
    }
    String node = nodeOf(t.pods("nm").get(0));
    List<String> onNode = podsOn(node, "nm").stream().map(p -> p.getMetadata().getName()).toList();
    assertThat(onNode).isNotEmpty();
    AtomicInteger accepting = sampleAccepting("nm");

    SimNodes nodes = t.sim.nodes();
    NodeDrain drain = switch (how) {
      case "kubectl" -> nodes.kubectlDrain(node, null);
      case "karpenter" -> nodes.karpenter(node);
      default -> nodes.clusterAutoscaler(node);
    };
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      AgentDeployment d = t.get("nm");
      return d.getStatus().getMessage().startsWith("Evacuating node " + node);
    });
    drain.done().orTimeout(40, TimeUnit.SECONDS).join();

    assertThat(drain.forcedDeletes()).isZero();
    assertThat(drain.evictionsRefused()).as("the budget held the busy workers").isPositive();
    assertThat(accepting.get()).as("accepting workers, sampled").isGreaterThanOrEqualTo(3);
    AgentDeployment done = t.awaitHealthyAt("nm", "v1", Duration.ofSeconds(15));
    assertThat(podsOn(node, "nm")).isEmpty();
    assertThat(done.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Evacuating");
      assertThat(c.getStatus()).isEqualTo("False");
    });
    assertThat(done.getStatus().getCallsCut()).isNull();
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
    assertThat(t.sim.ledger().completed()).isEqualTo(6);
    assertThat(events("deployment.drain_started")).filteredOn(e -> e.getMessage().contains(node))
        .hasSize(onNode.size());
  }

  @Test
  void aNodeDrainedMidRolloutKeepsItsOldPodsDrainingAndMovesTheNewOnes() {
    t.create(busyDeployment("mid", "v1", 3));
    t.awaitHealthyAt("mid", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "mid", CallProfile.manual());
    for (int i = 0; i < 3; i++) {
      assertThat(calls.placeCall(Duration.ofSeconds(10))).isPresent();
    }
    t.setVersion("mid", "v2");
    await().atMost(Duration.ofSeconds(15)).until(() -> t.pods("mid", p -> OperatorTestSupport.version(p).equals("v1"))
        .stream().allMatch(OperatorTestSupport::draining));
    // v3 waits for promotion: its preview pods sit beside v2's active ones and v1's draining ones.
    t.patchSpec("mid", "{\"version\":\"v3\",\"strategy\":{\"autoPromote\":false}}");
    t.awaitPhase("mid", tech.openrtc.operator.api.Phase.AwaitingPromotion, Duration.ofSeconds(15));
    String node = t.pods("mid", p -> OperatorTestSupport.draining(p)).stream().map(this::nodeOf).findFirst()
        .orElseThrow();
    assertThat(podsOn(node, "mid")).extracting(OperatorTestSupport::version).contains("v1", "v3");
    AtomicInteger accepting = sampleAccepting("mid");

    NodeDrain drain = t.sim.nodes().kubectlDrain(node, null);
    drain.done().orTimeout(40, TimeUnit.SECONDS).join();

    assertThat(drain.forcedDeletes()).isZero();
    assertThat(accepting.get()).isGreaterThanOrEqualTo(3);
    t.patchSpec("mid", "{\"strategy\":{\"autoPromote\":true}}");
    t.awaitHealthyAt("mid", "v3", Duration.ofSeconds(30));
    assertThat(podsOn(node, "mid")).isEmpty();
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aBusyPodForceDeletedIsCountedAsCallsLostAndReplaced() {
    t.create(busyDeployment("lost", "v1", 2));
    t.awaitHealthyAt("lost", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "lost", CallProfile.manual());
    String pod = calls.placeCall(Duration.ofSeconds(60)).orElseThrow().pod();
    SimWorker worker = t.sim.kubelet().worker(NS, pod).orElseThrow();
    while (worker.activeCalls() < 2) {
      calls.placeCall(Duration.ofSeconds(60));
    }
    // Both calls read by the active poll (every second): the live gauge shows them.
    await().atMost(Duration.ofSeconds(5)).until(() -> t.operator().meterRegistry()
        .find("openrtc.agentdeployment.inflight.calls").tags("name", "lost", "role", "Active").gauges().stream()
        .mapToDouble(io.micrometer.core.instrument.Gauge::value).sum() >= 2);

    t.user.pods().inNamespace(NS).withName(pod).withGracePeriod(0).delete();

    await().atMost(Duration.ofSeconds(10)).until(() -> !events("deployment.calls_cut").isEmpty());
    Event cut = events("deployment.calls_cut").get(0);
    assertThat(cut.getType()).isEqualTo("Warning");
    assertThat(cut.getMessage()).contains(pod, "2 call(s)");
    AgentDeployment done = t.awaitHealthyAt("lost", "v1", Duration.ofSeconds(15));
    assertThat(done.getStatus().getReadyReplicas()).isEqualTo(2);
    assertThat(done.getStatus().getCallsCut()).isEqualTo(2L);
    assertThat(t.operator().meterRegistry().get("openrtc.calls.cut")
        .tags("namespace", NS, "name", "lost", "reason", "pod_lost").counter().count()).isEqualTo(2.0);
    assertThat(t.sim.ledger().cut()).as("the ledger agrees").isEqualTo(2);
  }

  @Test
  void withTheBudgetOffEvictionsGoThroughAndTheLongGracePeriodStillSavesTheCalls() {
    AgentDeployment d = busyDeployment("nobudget", "v1", 2);
    DisruptionSpec disruption = new DisruptionSpec();
    disruption.setBudget(false);
    d.getSpec().setDisruption(disruption);
    t.create(d);
    t.awaitHealthyAt("nobudget", "v1", Duration.ofSeconds(20));
    assertThat(t.user.policy().v1().podDisruptionBudget().inNamespace(NS).withName("nobudget").get()).isNull();
    assertThat(t.pods("nobudget")).allSatisfy(p ->
        assertThat(p.getSpec().getTerminationGracePeriodSeconds()).as("at least drain.timeoutSeconds").isEqualTo(60L));
    CallGenerator calls = t.sim.calls(NS, "nobudget", CallProfile.manual());
    for (int i = 0; i < 4; i++) {
      assertThat(calls.placeCall(Duration.ofSeconds(6))).isPresent();
    }
    String node = nodeOf(t.pods("nobudget").get(0));

    NodeDrain drain = t.sim.nodes().kubectlDrain(node, null);
    drain.done().orTimeout(30, TimeUnit.SECONDS).join();

    assertThat(drain.evictionsRefused()).isZero();
    assertThat(drain.evictionsAllowed()).isPositive();
    t.awaitHealthyAt("nobudget", "v1", Duration.ofSeconds(15));
    t.assertNoCallCut();
    assertThat(t.sim.ledger().completed()).isEqualTo(4);
    assertThat(t.get("nobudget").getStatus().getCallsCut()).as("nothing counted as lost").isNull();
  }

  @Test
  void anOperatorWatchingOneNamespaceEvacuatesToo() {
    t.stopOperator();
    try (tech.openrtc.operator.AgentOperator scoped = tech.openrtc.operator.AgentOperator.start(
        t.sim.newClient(OperatorTestSupport.OPERATOR_UA), java.util.Set.of(NS), -1)) {
      t.create(busyDeployment("scoped", "v1", 2));
      t.awaitHealthyAt("scoped", "v1", Duration.ofSeconds(20));
      String node = nodeOf(t.pods("scoped").get(0));

      t.sim.nodes().kubectlDrain(node, null).done().orTimeout(30, TimeUnit.SECONDS).join();

      t.awaitHealthyAt("scoped", "v1", Duration.ofSeconds(15));
      assertThat(podsOn(node, "scoped")).isEmpty();
      assertThat(events("deployment.drain_started")).anySatisfy(e -> assertThat(e.getMessage()).contains(node));
    }
  }
}
