package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The sim's Nodes, and what cluster operators do to them: cordon, taint, drain. Every change goes
 * through the API (patches), so a watch on Nodes sees it as it would in a cluster.
 */
public final class SimNodes {

  /** Names of the nodes the sim boots with: {@code sim-node-1..N}. */
  public static final String NAME_PREFIX = "sim-node-";
  /** Karpenter's disruption taint (karpenter.sh/disrupted:NoSchedule). */
  public static final String TAINT_KARPENTER = "karpenter.sh/disrupted";
  /** cluster-autoscaler's taint on a node it is about to delete (value: unix seconds). */
  public static final String TAINT_CLUSTER_AUTOSCALER = "ToBeDeletedByClusterAutoscaler";
  public static final String USER_AGENT = "openrtc-sim-nodes";

  private static final int CONFLICT_RETRIES = 10;

  private final SimRuntime rt;
  private final KubernetesClient client;
  private final List<NodeDrain> drains = new CopyOnWriteArrayList<>();

  SimNodes(SimRuntime rt, KubernetesClient client) {
    this.rt = rt;
    this.client = client;
  }

  /** Adds a Ready node (InternalIP 127.0.0.1, like every sim pod's hostIP). */
  public void add(String name) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Quantity> resources = Map.of(
        "cpu", new Quantity("4"), "memory", new Quantity("16Gi"), "pods", new Quantity("110"));
    Node node = new NodeBuilder()
        .withNewMetadata()
          .withName(name)
          .addToLabels("kubernetes.io/hostname", name)
          .addToLabels("kubernetes.io/os", "linux")
        .endMetadata()
        .withNewSpec().withProviderID("sim://" + name).endSpec()
        .withNewStatus()
          .addNewCondition()
            .withType("Ready").withStatus("True").withReason("KubeletReady")
            .withMessage("kubelet is posting ready status")
            .withLastHeartbeatTime(now).withLastTransitionTime(now)
          .endCondition()
          .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
          .addNewAddress().withType("Hostname").withAddress(name).endAddress()
          .withCapacity(resources)
          .withAllocatable(resources)
        .endStatus()
        .build();
    client.nodes().resource(node).create();
  }

  /** Node names, sorted. */
  public List<String> names() {
    return client.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).sorted().toList();
  }

  /**
   * As {@code kubectl cordon} (spec.unschedulable), followed by the taint the node lifecycle
   * controller adds to an unschedulable node (pkg/controller/nodelifecycle
   * node_lifecycle_controller.go, doNoScheduleTaintingPass).
   */
  public void cordon(String name) {
    patchSpec(name, "{\"spec\":{\"unschedulable\":true}}");
    taint(name, SimScheduler.TAINT_UNSCHEDULABLE, null, "NoSchedule");
  }

  public void uncordon(String name) {
    patchSpec(name, "{\"spec\":{\"unschedulable\":null}}");
    untaint(name, SimScheduler.TAINT_UNSCHEDULABLE);
  }

  /** As {@code kubectl taint}: a taint with the same key and effect is replaced. */
  public void taint(String name, String key, String value, String effect) {
    Taint taint = new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
    editTaints(name, taints -> {
      List<Taint> edited = new ArrayList<>(taints);
      edited.removeIf(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()));
      edited.add(taint);
      return edited;
    });
  }

  /** Removes every taint with this key. */
  public void untaint(String name, String key) {
    editTaints(name, taints -> {
      List<Taint> edited = new ArrayList<>(taints);
      edited.removeIf(t -> key.equals(t.getKey()));
      return edited;
    });
  }

  /** The pods bound to this node that still exist (terminating ones too). */
  public List<Pod> podsOn(String name) {
    return client.pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> p.getSpec() != null && name.equals(p.getSpec().getNodeName()))
        .toList();
  }

  // ---- drains

  /**
   * As {@code kubectl drain NODE}: cordon, then evict every pod on the node, retrying a refused
   * eviction (429) every {@link SimOptions#evictionRetry()} (kubectl: 5 s), until no pod is left.
   *
   * @param forceAfter after this long, delete the pods still there with a plain DELETE (their own
   *     grace period; no budget applies), as {@code kubectl drain --disable-eviction} or Karpenter
   *     when a NodePool's terminationGracePeriod runs out; null: never
   */
  public NodeDrain kubectlDrain(String node, Duration forceAfter) {
    cordon(node);
    return startDrain(NodeDrain.Kind.KUBECTL, node, forceAfter);
  }

  /** As Karpenter's termination controller: taint karpenter.sh/disrupted:NoSchedule, then evict until empty. */
  public NodeDrain karpenter(String node) {
    taint(node, TAINT_KARPENTER, null, "NoSchedule");
    return startDrain(NodeDrain.Kind.KARPENTER, node, null);
  }

  /** As cluster-autoscaler's scale-down: taint ToBeDeletedByClusterAutoscaler=unix-seconds:NoSchedule, then evict. */
  public NodeDrain clusterAutoscaler(String node) {
    taint(node, TAINT_CLUSTER_AUTOSCALER, Long.toString(Instant.now().getEpochSecond()), "NoSchedule");
    return startDrain(NodeDrain.Kind.CLUSTER_AUTOSCALER, node, null);
  }

  private NodeDrain startDrain(NodeDrain.Kind kind, String node, Duration forceAfter) {
    NodeDrain drain = new NodeDrain(rt, this, client, kind, node, forceAfter);
    drains.add(drain);
    drain.start();
    return drain;
  }

  void close() {
    drains.forEach(NodeDrain::stop);
  }

  // ---- writes

  private void patchSpec(String name, String mergePatch) {
    client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
  }

  /** The whole taint list, as kubectl taint writes it; after a 409 read again and retry. */
  private void editTaints(String name, UnaryOperator<List<Taint>> edit) {
    for (int attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      Node node = client.nodes().withName(name).get();
      if (node == null) {
        throw new IllegalArgumentException("no node " + name);
      }
      List<Taint> taints = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
      List<Taint> edited = edit.apply(taints);
      if (edited.equals(taints)) {
        return;
      }
      String patch = JsonPatches.setIfUnchanged(node.getMetadata().getResourceVersion(), "/spec/taints", edited);
      try {
        client.nodes().resource(node).patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("gave up editing the taints of node " + name + " after conflicts");
  }
}
