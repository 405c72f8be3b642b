package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.get;
import static tech.openrtc.operator.sim.SimTestSupport.isReady;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimNodesTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private SimCluster sim;
  private KubernetesClient client;

  private void start(int nodes) {
    sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(200))
        .withWorkerPort(28091)
        .withNodes(nodes));
    client = sim.newClient("test-operator");
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private String nodeOf(String pod) {
    await().atMost(WAIT).until(() -> get(client, pod).getSpec().getNodeName() != null);
    return get(client, pod).getSpec().getNodeName();
  }

  @Test
  void bootsReadyNodes() {
    start(3);
    assertThat(sim.nodes().names()).containsExactly("sim-node-1", "sim-node-2", "sim-node-3");
    Node node = client.nodes().withName("sim-node-2").get();
    assertThat(node.getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    assertThat(node.getStatus().getAddresses())
        .anyMatch(a -> a.getType().equals("InternalIP") && a.getAddress().equals("127.0.0.1"));
    assertThat(node.getStatus().getAllocatable()).containsKeys("cpu", "memory", "pods");
  }

  @Test
  void podsSpreadOverNodesFewestPodsFirst() {
    start(3);
    for (String name : List.of("a", "b", "c")) {
      create(client, pod(name, "1.0", Map.of()));
      nodeOf(name); // one at a time, so the order is known
    }
    assertThat(List.of(nodeOf("a"), nodeOf("b"), nodeOf("c")))
        .containsExactly("sim-node-1", "sim-node-2", "sim-node-3");
    await().atMost(WAIT).until(() -> isReady(get(client, "c")));
    assertThat(get(client, "c").getStatus().getHostIP()).isEqualTo("127.0.0.1");
  }

  @Test
  void podsAvoidCordonedAndNoScheduleTaintedNodesUnlessTolerated() {
    start(3);
    sim.nodes().cordon("sim-node-1");
    sim.nodes().taint("sim-node-2", "maintenance", "soon", "NoSchedule");
    assertThat(client.nodes().withName("sim-node-1").get().getSpec().getTaints())
        .anyMatch(t -> t.getKey().equals(SimScheduler.TAINT_UNSCHEDULABLE));

    create(client, pod("a", "1.0", Map.of()));
    create(client, pod("b", "1.0", Map.of()));
    assertThat(nodeOf("a")).isEqualTo("sim-node-3");
    assertThat(nodeOf("b")).isEqualTo("sim-node-3");

    Pod tolerant = pod("c", "1.0", Map.of());
    tolerant.getSpec().setTolerations(List.of(
        new TolerationBuilder().withKey("maintenance").withOperator("Exists").withEffect("NoSchedule").build()));
    create(client, tolerant);
    assertThat(nodeOf("c")).isEqualTo("sim-node-2");
  }

  @Test
  void podWaitsPendingWithoutASchedulableNodeThenRuns() {
    start(1);
    sim.nodes().taint("sim-node-1", SimNodes.TAINT_KARPENTER, null, "NoSchedule");
    create(client, pod("a", "1.0", Map.of()));

    await().atMost(WAIT).until(() -> scheduled(get(client, "a")) != null);
    Pod pending = get(client, "a");
    assertThat(scheduled(pending).getStatus()).isEqualTo("False");
    assertThat(scheduled(pending).getReason()).isEqualTo("Unschedulable");
    assertThat(pending.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(pending.getStatus().getPodIP()).isNull();
    assertThat(pending.getSpec().getNodeName()).isNull();
    assertThat(sim.kubelet().worker(SimTestSupport.NS, "a")).isEmpty();

    sim.nodes().untaint("sim-node-1", SimNodes.TAINT_KARPENTER);
    await().atMost(WAIT).until(() -> isReady(get(client, "a")));
    assertThat(get(client, "a").getSpec().getNodeName()).isEqualTo("sim-node-1");
    assertThat(scheduled(get(client, "a")).getStatus()).isEqualTo("True");
  }

  @Test
  void podCreatedOnANodeRunsThereAndIsListedOnIt() {
    start(2);
    Pod placed = pod("a", "1.0", Map.of());
    placed.getSpec().setNodeName("sim-node-2");
    create(client, placed);
    await().atMost(WAIT).until(() -> isReady(get(client, "a")));
    assertThat(sim.nodes().podsOn("sim-node-2")).extracting(p -> p.getMetadata().getName()).containsExactly("a");
    assertThat(sim.nodes().podsOn("sim-node-1")).isEmpty();
  }

  private static PodCondition scheduled(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("PodScheduled")).findFirst().orElse(null);
  }
}
