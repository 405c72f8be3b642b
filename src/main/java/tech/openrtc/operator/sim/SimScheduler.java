package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated kube-scheduler: it binds every pod without {@code spec.nodeName} to a node that
 * may take it (not cordoned, no NoSchedule/NoExecute taint the pod does not tolerate), the node
 * with the fewest pods first, ties by name. A pod no node may take stays Pending with
 * PodScheduled False (Unschedulable) and is tried again whenever a node or a pod changes.
 *
 * <p>Binding goes through the pods/NAME/binding subresource, as the real scheduler's DefaultBinder
 * (pkg/scheduler/framework/plugins/defaultbinder) does; {@link PodApi} serves it.
 */
final class SimScheduler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimScheduler.class);

  static final String USER_AGENT = "openrtc-sim-scheduler";
  /** The taint the node lifecycle controller puts on a cordoned node. */
  static final String TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

  private final SimRuntime rt;
  private final KubernetesClient client;
  /** Pods bound here that the informer does not show bound yet (the real scheduler's "assumed" pods), by uid. */
  private final Map<String, String> assumed = new ConcurrentHashMap<>();
  /** Pods whose status already says Unschedulable, by uid. */
  private final Set<String> reportedUnschedulable = ConcurrentHashMap.newKeySet();
  /**
   * Pods waiting for a node, by uid. While there are none, a pod event (a status write, an
   * annotation) needs no pass over every pod: nothing waits for the room it may free.
   */
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean passQueued = new AtomicBoolean();
  private volatile SharedIndexInformer<Node> nodes;
  private volatile SharedIndexInformer<Pod> pods;

  SimScheduler(SimRuntime rt, KubernetesClient client) {
    this.rt = rt;
    this.client = client;
  }

  void start() {
    nodes = client.nodes().inform(onAnyChange(), 0);
    pods = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        seen(pod, false);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod pod) {
        seen(pod, false);
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        seen(pod, true);
      }
    }, 0);
  }

  /** Keeps {@link #waiting} current; a pass only when some pod waits for a node. */
  private void seen(Pod pod, boolean deleted) {
    String uid = pod.getMetadata().getUid();
    if (!deleted && !isBound(pod) && pod.getMetadata().getDeletionTimestamp() == null && !isFinished(pod)) {
      waiting.add(uid);
    } else {
      waiting.remove(uid);
      if (deleted || isBound(pod)) {
        assumed.remove(uid);
        reportedUnschedulable.remove(uid);
      }
    }
    if (!waiting.isEmpty()) {
      requestPass();
    }
  }

  private <T> ResourceEventHandler<T> onAnyChange() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        requestPass();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        requestPass();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        requestPass();
      }
    };
  }

  /** At most one pass waits to run: a burst of events makes one pass, not one each. */
  private void requestPass() {
    if (!passQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      rt.io.execute(this::pass);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private synchronized void pass() {
    passQueued.set(false);
    SharedIndexInformer<Node> n = nodes;
    SharedIndexInformer<Pod> p = pods;
    if (n == null || p == null || rt.closing) {
      return;
    }
    List<Pod> allPods = p.getStore().list();
    Map<String, Integer> podsPerNode = new HashMap<>();
    for (Pod pod : allPods) {
      String uid = pod.getMetadata().getUid();
      if (isBound(pod)) {
        assumed.remove(uid);
        reportedUnschedulable.remove(uid);
      }
      String node = isBound(pod) ? pod.getSpec().getNodeName() : assumed.get(uid);
      if (node != null && !isFinished(pod)) {
        podsPerNode.merge(node, 1, Integer::sum);
      }
    }
    List<Node> allNodes = n.getStore().list();
    allPods.stream()
        .filter(pod -> !isBound(pod) && !assumed.containsKey(pod.getMetadata().getUid()))
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null && !isFinished(pod))
        .sorted(Comparator.comparing((Pod pod) -> pod.getMetadata().getCreationTimestamp())
            .thenComparing(pod -> pod.getMetadata().getName()))
        .forEach(pod -> schedule(pod, allNodes, podsPerNode));
  }

  private void schedule(Pod pod, List<Node> allNodes, Map<String, Integer> podsPerNode) {
    Optional<Node> best = allNodes.stream()
        .filter(node -> mayTake(node, pod))
        .min(Comparator.comparing((Node node) -> podsPerNode.getOrDefault(node.getMetadata().getName(), 0))
            .thenComparing(node -> node.getMetadata().getName()));
    if (best.isEmpty()) {
      reportUnschedulable(pod, allNodes.size());
      return;
    }
    String node = best.get().getMetadata().getName();
    if (bind(pod, node)) {
      assumed.put(pod.getMetadata().getUid(), node);
      podsPerNode.merge(node, 1, Integer::sum);
    }
  }

  /**
   * The scheduler's NodeUnschedulable and TaintToleration filters
   * (pkg/scheduler/framework/plugins/nodeunschedulable, .../tainttoleration): a cordoned node
   * takes only pods that tolerate its unschedulable taint; any NoSchedule or NoExecute taint must
   * be tolerated. (PreferNoSchedule only scores.)
   */
  static boolean mayTake(Node node, Pod pod) {
    List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      Taint cordon = new TaintBuilder().withKey(TAINT_UNSCHEDULABLE).withEffect("NoSchedule").build();
      if (tolerations.stream().noneMatch(t -> tolerates(t, cordon))) {
        return false;
      }
    }
    List<Taint> taints = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    return taints.stream()
        .filter(taint -> "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect()))
        .allMatch(taint -> tolerations.stream().anyMatch(t -> tolerates(t, taint)));
  }

  /**
   * k8s.io/api/core/v1 toleration.go ToleratesTaint: an empty effect or key matches any; operator
   * Exists matches any value, Equal (the default) the same value.
   */
  static boolean tolerates(Toleration toleration, Taint taint) {
    if (!isEmpty(toleration.getEffect()) && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (!isEmpty(toleration.getKey()) && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator = isEmpty(toleration.getOperator()) ? "Equal" : toleration.getOperator();
    return switch (operator) {
      case "Exists" -> true;
      case "Equal" -> orEmpty(toleration.getValue()).equals(orEmpty(taint.getValue()));
      default -> false;
    };
  }

  private boolean bind(Pod pod, String node) {
    Binding binding = new BindingBuilder()
        .withNewMetadata()
          .withName(pod.getMetadata().getName())
          .withNamespace(pod.getMetadata().getNamespace())
          .withUid(pod.getMetadata().getUid())
        .endMetadata()
        .withNewTarget().withApiVersion("v1").withKind("Node").withName(node).endTarget()
        .build();
    String url = client.getMasterUrl() + "api/v1/namespaces/" + pod.getMetadata().getNamespace()
        + "/pods/" + pod.getMetadata().getName() + "/binding";
    try {
      client.raw(url, "POST", binding);
      return true;
    } catch (KubernetesClientException e) {
      // 404: deleted meanwhile; 409: bound or being deleted meanwhile. The informer will tell.
      if (!rt.closing) {
        log.debug("binding pod {}/{} to {}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), node, e.getMessage());
      }
      return false;
    }
  }

  /** As the real scheduler reports it: PodScheduled False, reason Unschedulable, phase Pending. */
  private void reportUnschedulable(Pod pod, int nodeCount) {
    if (!reportedUnschedulable.add(pod.getMetadata().getUid())) {
      return;
    }
    PodCondition scheduled = new PodConditionBuilder()
        .withType("PodScheduled")
        .withStatus("False")
        .withReason("Unschedulable")
        .withMessage("0/" + nodeCount + " nodes are available: no node is schedulable and tolerated by the pod.")
        .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
    ArrayNode ops = Serialization.jsonMapper().createArrayNode();
    ObjectNode status = ops.addObject().put("op", "add").put("path", "/status").putObject("value");
    status.put("phase", "Pending");
    status.putArray("conditions").add(Serialization.jsonMapper().valueToTree(scheduled));
    try {
      client.pods().resource(pod).subresource("status").patch(PatchContext.of(PatchType.JSON), ops.toString());
    } catch (KubernetesClientException e) {
      reportedUnschedulable.remove(pod.getMetadata().getUid());
      log.debug("reporting pod {}/{} unschedulable: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
    }
  }

  private static boolean isBound(Pod pod) {
    return pod.getSpec() != null && !isEmpty(pod.getSpec().getNodeName());
  }

  /** Finished pods hold no place on a node (the scheduler's cache leaves out terminal pods). */
  private static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {nodes, pods}) {
      if (informer != null) {
        informer.stop();
      }
    }
  }
}
