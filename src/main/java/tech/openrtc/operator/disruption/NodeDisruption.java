package tech.openrtc.operator.disruption;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a node is being taken away, read from the marks the tools that take nodes away put on it
 * first: {@code kubectl drain} and managed node-group upgrades cordon it ({@code spec.unschedulable},
 * shown as the {@code node.kubernetes.io/unschedulable:NoSchedule} taint), Karpenter taints it
 * {@code karpenter.sh/disrupted:NoSchedule} (v1; {@code karpenter.sh/disruption} before), and
 * cluster-autoscaler {@code ToBeDeletedByClusterAutoscaler:NoSchedule}, each before it evicts the
 * node's pods. Pure: no client.
 */
public final class NodeDisruption {

  /** Taint keys that announce a node's removal, whatever their value. */
  public static final List<String> DEFAULT_TAINTS = List.of(
      "node.kubernetes.io/unschedulable",
      "karpenter.sh/disrupted",
      "karpenter.sh/disruption",
      "ToBeDeletedByClusterAutoscaler");

  private final Set<String> taintKeys;

  /** @param extraTaints keys added with {@code run --disruption-taint} */
  public NodeDisruption(List<String> extraTaints) {
    Set<String> keys = new LinkedHashSet<>(DEFAULT_TAINTS);
    keys.addAll(extraTaints);
    this.taintKeys = Set.copyOf(keys);
  }

  public static NodeDisruption defaults() {
    return new NodeDisruption(List.of());
  }

  /** Why {@code node} is being disrupted ("cordoned", "tainted K:Effect"), or empty if it is not. */
  public Optional<String> why(Node node) {
    if (node == null || node.getSpec() == null) {
      return Optional.empty();
    }
    if (Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return Optional.of("cordoned");
    }
    List<Taint> taints = node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    return taints.stream()
        .filter(t -> taintKeys.contains(t.getKey()))
        .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
        .findFirst()
        .map(t -> "tainted " + t.getKey() + ":" + t.getEffect());
  }

  public Set<String> taintKeys() {
    return taintKeys;
  }
}
