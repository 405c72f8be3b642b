package tech.openrtc.operator.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/**
 * The checker must catch what it claims to: each test breaks one invariant by hand (no operator
 * runs here) and expects a violation, or shows an unplanned fault is not blamed on the operator.
 */
class InvariantCheckerTest {

  private static final String NS = "chaos";
  private static final String NAME = "agent-0";

  private SimCluster sim;
  private KubernetesClient user;
  private InvariantChecker checker;

  @BeforeEach
  void setUp() {
    sim = SimCluster.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(200)));
    user = sim.newClient("kubectl-test");
    user.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    AgentDeploymentFactory factory = new AgentDeploymentFactory(NS, "ws://127.0.0.1:1", 45);
    var d = factory.create(new ChaosDeployment(NAME, ChaosDeployment.Source.HTTP));
    d.getSpec().setReplicas(2);
    user.resource(d).create();
    checker = new InvariantChecker(sim, NS, List.of(new ChaosDeployment(NAME, ChaosDeployment.Source.HTTP)), 45);
    pod("w1");
    pod("w2");
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.kubelet().workers(NS, NAME).stream().allMatch(w -> w.ready())
        && sim.kubelet().workers(NS, NAME).size() == 2 && readyPods() == 2);
  }

  @AfterEach
  void tearDown() {
    checker.close();
    sim.close();
  }

  private void pod(String name) {
    user.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NS)
          .addToLabels(Names.LABEL_DEPLOYMENT, NAME).addToLabels(Names.LABEL_ROLE, Names.ROLE_ACTIVE).endMetadata()
        .withNewSpec().addNewContainer().withName("agent").withImage("example/agent:1").endContainer().endSpec()
        .build()).create();
  }

  private long readyPods() {
    return user.pods().inNamespace(NS).list().getItems().stream().filter(p -> p.getStatus() != null
        && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).count();
  }

  private void sampleTwice() throws InterruptedException {
    Thread.sleep(500); // the checker's watch catches up
    checker.sample();
    checker.sample();
  }

  @Test
  void fullCapacityIsNoViolation() throws InterruptedException {
    sampleTwice();
    assertThat(checker.violations()).isEmpty();
  }

  @Test
  void aLostDrainMarkIsInvariant3() {
    patch("w1", "{\"metadata\":{\"labels\":{\"" + Names.LABEL_DRAINING + "\":\"true\"}}}");
    patch("w1", "{\"metadata\":{\"labels\":{\"" + Names.LABEL_DRAINING + "\":null}}}");
    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.violations().isEmpty());
    assertThat(checker.violations()).singleElement().satisfies(v -> {
      assertThat(v.invariant()).isEqualTo(3);
      assertThat(v.evidence()).contains("w1");
    });
  }

  @Test
  void capacityBelowReplicasWithoutAnExcuseIsAViolation() throws InterruptedException {
    user.pods().inNamespace(NS).withName("w1").withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> user.pods().inNamespace(NS).withName("w1").get() == null);
    sampleTwice();
    assertThat(checker.violations()).singleElement().satisfies(v -> {
      assertThat(v.invariant()).isEqualTo(6);
      assertThat(v.evidence()).startsWith("1 accepting of 2");
    });
  }

  @Test
  void anExcusedDipIsNot() throws InterruptedException {
    checker.excuse(NAME, Duration.ofSeconds(30), "a test");
    user.pods().inNamespace(NS).withName("w1").withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> user.pods().inNamespace(NS).withName("w1").get() == null);
    sampleTwice();
    assertThat(checker.violations()).isEmpty();
  }

  @Test
  void theOperatorDeletingABusyPodBeforeItsDeadlineIsInvariant1() {
    String busy = busyPod();
    KubernetesClient operator = sim.newClient("openrtc-operator/test");
    operator.pods().inNamespace(NS).withName(busy).withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.ledger().cut() == 1);
    Map<String, Long> causes = checker.traceCutCalls();
    assertThat(causes).containsEntry("VIOLATION: busy pod deleted before its deadline", 1L);
    assertThat(checker.violations()).singleElement().satisfies(v -> assertThat(v.invariant()).isEqualTo(1));
  }

  @Test
  void aCrashIsUnplannedAndNotTheOperators() {
    String busy = busyPod();
    checker.workerCrashed(busy);
    sim.kubelet().worker(NS, busy).orElseThrow().crash();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.ledger().cut() == 1);
    assertThat(checker.traceCutCalls()).containsExactlyEntriesOf(Map.of("unplanned: worker crash", 1L));
    assertThat(checker.violations()).isEmpty();
  }

  @Test
  void aLieTheSourceCannotSeeIsReportedNotBlamed() {
    String busy = busyPod();
    checker.lieStarted(busy);
    sim.newClient("openrtc-operator/test").pods().inNamespace(NS).withName(busy).withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.ledger().cut() == 1);
    assertThat(checker.traceCutCalls()).containsOnlyKeys("unseeable: worker reported 0 while busy (http)");
    assertThat(checker.violations()).isEmpty();
    assertThat(checker.lieOutcomes()).containsExactlyEntriesOf(
        Map.of("http", Map.of("not seen: deleted while busy; 1 calls cut", 1L)));
  }

  @Test
  void aCallWithNoWorkerTakingCallsIsTracedAndUnexplainedIsInvariant2() {
    CallGenerator calls = sim.calls(NS, NAME, CallProfile.manual());
    for (String pod : List.of("w1", "w2")) {
      patch(pod, "{\"metadata\":{\"labels\":{\"" + Names.LABEL_ROLE + "\":\"draining\"}}}");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.kubelet().workers(NS, NAME).stream().noneMatch(w -> w.accepting()));
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isEmpty();
    checker.excuse(NAME, Duration.ofSeconds(30), "a test");
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isEmpty();

    assertThat(checker.traceUnserved()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "VIOLATION: no worker taking calls, nothing to explain it", 1L, "during recovery from: a test", 1L));
    assertThat(checker.violations()).singleElement().satisfies(v -> assertThat(v.invariant()).isEqualTo(2));
  }

  @Test
  void capacityIsWhatTheWorkersDoNotWhatTheLabelsSay() throws InterruptedException {
    // The API still says active, but a worker that crashed takes no call.
    sim.kubelet().worker(NS, "w2").orElseThrow().crash();
    sampleTwice();
    assertThat(checker.violations()).singleElement().satisfies(v -> assertThat(v.evidence()).startsWith("1 accepting of 2"));
  }

  @Test
  void notConvergedSaysWhy() {
    assertThat(checker.notConverged(user)).anySatisfy(r -> assertThat(r).contains(NAME + ": no status"));
  }

  @Test
  void aPredecessorsBudgetAndObjectsAreNotConverged() {
    var d = user.resources(tech.openrtc.operator.api.AgentDeployment.class).inNamespace(NS).withName(NAME).get();
    d.setStatus(new tech.openrtc.operator.api.AgentDeploymentStatus());
    user.resource(d).updateStatus();
    var earlier = new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion(tech.openrtc.operator.api.AgentDeployment.API_VERSION).withKind("AgentDeployment")
        .withName(NAME).withUid("uid-earlier").withController(true).build();
    user.policy().v1().podDisruptionBudget().inNamespace(NS).resource(
        new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder()
            .withNewMetadata().withName(NAME).addToLabels(Names.LABEL_DEPLOYMENT, NAME).withOwnerReferences(earlier)
            .endMetadata()
            .withNewSpec().withMinAvailable(new io.fabric8.kubernetes.api.model.IntOrString(1)).endSpec().build())
        .create();
    assertThat(checker.notConverged(user))
        .anySatisfy(r -> assertThat(r).isEqualTo(NAME + ": no PodDisruptionBudget of its own (one controlled by uid-earlier)"))
        .anySatisfy(r -> assertThat(r).isEqualTo(NAME + ": 1 objects controlled by a deleted AgentDeployment of the same name"));
  }

  private String busyPod() {
    CallGenerator calls = sim.calls(NS, NAME, CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(60))).isPresent();
    return user.pods().inNamespace(NS).list().getItems().stream().map(Pod::getMetadata).map(m -> m.getName())
        .filter(n -> sim.ledger().liveOnPod(NS, n) > 0).findFirst().orElseThrow();
  }

  private void patch(String pod, String json) {
    user.pods().inNamespace(NS).withName(pod).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }
}
