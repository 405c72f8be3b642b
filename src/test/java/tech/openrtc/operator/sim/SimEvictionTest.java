package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.SimTestSupport.NS;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.get;
import static tech.openrtc.operator.sim.SimTestSupport.isReady;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.Names;

class SimEvictionTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  /** Keeps a deleted pod in the store after the kubelet let it go, so the test can read it. */
  private static final String HOLD = "test.openrtc.tech/hold";

  private SimCluster sim;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(200))
        .withWorkerPort(28092)
        .withNodes(2)
        .withEvictionRetry(Duration.ofSeconds(1)));
    // fabric8 retries a 429 or 500 with backoff by default; these tests want the first answer.
    var config = sim.config("test-operator");
    config.setRequestRetryBackoffLimit(0);
    client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    sim.close();
  }

  private void readyPods(Pod... pods) {
    for (Pod p : pods) {
      create(client, p);
    }
    for (Pod p : pods) {
      await().atMost(WAIT).until(() -> isReady(get(client, p.getMetadata().getName())));
    }
  }

  private static Pod held(Pod pod) {
    pod.getMetadata().setFinalizers(List.of(HOLD));
    return pod;
  }

  private boolean evict(String name) {
    return client.pods().inNamespace(NS).withName(name).evict();
  }

  private PodDisruptionBudget budget(String name, IntOrString minAvailable, IntOrString maxUnavailable) {
    PodDisruptionBudget pdb = new PodDisruptionBudgetBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec()
          .withMinAvailable(minAvailable)
          .withMaxUnavailable(maxUnavailable)
          .withNewSelector().addToMatchLabels(Names.LABEL_DEPLOYMENT, SimTestSupport.DEPLOYMENT).endSelector()
        .endSpec()
        .build();
    return client.resource(pdb).create();
  }

  private PodDisruptionBudgetStatus budgetStatus(String name) {
    PodDisruptionBudget pdb = client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(name).get();
    return pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
  }

  @Test
  void gracefulDeleteSetsDeletionTimestampToNowPlusGrace() {
    readyPods(held(pod("a", "1.0", Map.of())));
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    client.pods().inNamespace(NS).withName("a").withGracePeriod(12).delete();

    Pod deleting = get(client, "a");
    assertThat(deleting.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(12L);
    assertThat(Instant.parse(deleting.getMetadata().getDeletionTimestamp()))
        .isCloseTo(before.plusSeconds(12), within(2, ChronoUnit.SECONDS));
  }

  @Test
  void evictionWithoutBudgetDeletesThePodWithItsGracePeriod() {
    readyPods(held(pod("a", "1.0", Map.of())));
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    assertThat(evict("a")).isTrue();

    Pod deleting = get(client, "a");
    assertThat(deleting.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
    assertThat(Instant.parse(deleting.getMetadata().getDeletionTimestamp()))
        .isCloseTo(before.plusSeconds(30), within(2, ChronoUnit.SECONDS));
    assertThat(sim.requests().podEvictions()).singleElement()
        .satisfies(e -> assertThat(e.outcome()).isEqualTo(PodEviction.Outcome.EVICTED))
        .satisfies(e -> assertThat(e.budget()).isNull());
    assertThat(sim.requests().podDeletions()).singleElement().satisfies(d -> assertThat(d.eviction()).isTrue());
    // Already terminating: another eviction succeeds and changes nothing.
    assertThat(evict("a")).isTrue();
    assertThat(get(client, "a").getMetadata().getDeletionTimestamp()).isEqualTo(deleting.getMetadata().getDeletionTimestamp());
  }

  @Test
  void budgetThatNeedsEveryPodRefusesWith429AndThePodStays() {
    readyPods(pod("a", "1.0", Map.of()), pod("b", "1.0", Map.of()));
    budget("all", new IntOrString(2), null);

    assertThat(evict("a")).isFalse();
    assertThatThrownBy(() -> client.raw(sim.masterUrl() + "api/v1/namespaces/" + NS + "/pods/b/eviction", "POST",
            Map.of("apiVersion", "policy/v1", "kind", "Eviction", "metadata", Map.of("name", "b", "namespace", NS))))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(429);
          assertThat(e.getStatus().getReason()).isEqualTo("TooManyRequests");
          assertThat(e.getStatus().getMessage()).isEqualTo("Cannot evict pod as it would violate the pod's disruption budget.");
          assertThat(e.getStatus().getDetails().getCauses().get(0).getReason()).isEqualTo("DisruptionBudget");
          assertThat(e.getStatus().getDetails().getCauses().get(0).getMessage()).contains("all");
        });

    assertThat(get(client, "a").getMetadata().getDeletionTimestamp()).isNull();
    assertThat(sim.requests().evictions(PodEviction.Outcome.REFUSED)).isEqualTo(2);
    assertThat(sim.requests().evictions(PodEviction.Outcome.EVICTED)).isZero();
    await().atMost(WAIT).untilAsserted(() -> {
      PodDisruptionBudgetStatus status = budgetStatus("all");
      assertThat(status.getCurrentHealthy()).isEqualTo(2);
      assertThat(status.getDesiredHealthy()).isEqualTo(2);
      assertThat(status.getExpectedPods()).isEqualTo(2);
      assertThat(status.getDisruptionsAllowed()).isZero();
      assertThat(status.getObservedGeneration()).isNotNull();
    });
  }

  @Test
  void maxUnavailableZeroStillAllowsEvictionsWhilePodsOutnumberReplicas() {
    AgentDeployment owner = new AgentDeployment();
    owner.setMetadata(new ObjectMetaBuilder().withName(SimTestSupport.DEPLOYMENT).withNamespace(NS).build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("1.0");
    spec.setReplicas(2);
    owner.setSpec(spec);
    owner = client.resource(owner).create();
    var controller = new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion()).withKind("AgentDeployment")
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).build();
    Pod[] pods = List.of("a", "b", "c", "d").stream()
        .map(name -> pod(name, "1.0", Map.of()))
        .peek(p -> p.getMetadata().setOwnerReferences(List.of(controller)))
        .toArray(Pod[]::new);
    readyPods(pods);
    budget("none-unavailable", null, new IntOrString(0));

    await().atMost(WAIT).untilAsserted(() ->
        assertThat(budgetStatus("none-unavailable").getDisruptionsAllowed()).isEqualTo(2));
    assertThat(evict("a")).isTrue();
    assertThat(evict("b")).isTrue();
    assertThat(evict("c")).as("down to spec.replicas healthy pods").isFalse();
    assertThat(sim.requests().podEvictions()).extracting(PodEviction::budget).containsOnly("none-unavailable");
  }

  @Test
  void twoBudgetsForOnePodAre500() {
    readyPods(pod("a", "1.0", Map.of()));
    budget("one", new IntOrString(0), null);
    budget("two", new IntOrString(0), null);
    assertThatThrownBy(() -> evict("a"))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(500);
          assertThat(e.getStatus().getMessage())
              .isEqualTo("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        });
    assertThat(get(client, "a").getMetadata().getDeletionTimestamp()).isNull();
  }

  @Test
  void kubectlDrainEmptiesANodeWithoutBudget() throws Exception {
    readyPods(pod("a", "1.0", Map.of()), pod("b", "1.0", Map.of()), pod("c", "1.0", Map.of()));
    String node = get(client, "a").getSpec().getNodeName();
    int onNode = sim.nodes().podsOn(node).size();

    NodeDrain drain = sim.nodes().kubectlDrain(node, null);
    Instant emptied = drain.done().get(10, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(emptied).isEqualTo(drain.emptiedAt());
    assertThat(sim.nodes().podsOn(node)).isEmpty();
    assertThat(drain.evictionsAllowed()).isEqualTo(onNode);
    assertThat(drain.evictionsRefused()).isZero();
    assertThat(client.nodes().withName(node).get().getSpec().getUnschedulable()).isTrue();
  }

  @Test
  void drainRetriesRefusedEvictionsThenForcesAfterItsDeadline() throws Exception {
    readyPods(pod("a", "1.0", Map.of()));
    budget("all", new IntOrString(1), null);
    String node = get(client, "a").getSpec().getNodeName();

    NodeDrain drain = sim.nodes().kubectlDrain(node, Duration.ofSeconds(2));
    drain.done().get(10, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(drain.evictionsRefused()).isGreaterThanOrEqualTo(2); // retried, every second here
    assertThat(drain.evictionsAllowed()).isZero();
    assertThat(drain.forcedDeletes()).isEqualTo(1);
    assertThat(get(client, "a")).isNull();
  }
}
