package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The Kubernetes disruption controller's arithmetic for one PodDisruptionBudget, and the eviction
 * API's decision for one pod. Pure: the caller lists the pods and looks the controllers' scale up.
 *
 * <p>Modelled on kubernetes/kubernetes pkg/controller/disruption/disruption.go
 * ({@code getExpectedPodCount}, {@code getExpectedScale}, {@code countHealthyPods}, and
 * {@code updatePdbStatus} for disruptionsAllowed) and pkg/registry/core/pod/storage/eviction.go
 * ({@code Create}, {@code checkAndDecrement}).
 */
public final class DisruptionController {

  public static final String ALWAYS_ALLOW = "AlwaysAllow";

  private DisruptionController() {}

  /**
   * A PodDisruptionBudget's status numbers.
   *
   * @param currentHealthy matching pods that are Ready and not being deleted
   * @param desiredHealthy how many must stay healthy
   * @param expectedPods the pods the budget expects (controllers' scale, or pods counted)
   * @param disruptionsAllowed how many healthy pods the eviction API may take now
   */
  public record Budget(int currentHealthy, int desiredHealthy, int expectedPods, int disruptionsAllowed) {}

  /**
   * The budget's status as the disruption controller computes it.
   *
   * @param podsMatchingSelector the pods in the budget's namespace its selector matches
   * @param controllerScale {@code spec.replicas} of the controller an ownerReference names, or a
   *     negative number if it has none the sim knows: such pods count as unmanaged. (The real
   *     controller fails safe there, with disruptionsAllowed 0; the sim's only controller with a
   *     scale is AgentDeployment.)
   */
  public static Budget compute(
      PodDisruptionBudget pdb, List<Pod> podsMatchingSelector, ToIntFunction<OwnerReference> controllerScale) {
    PodDisruptionBudgetSpec spec = pdb.getSpec();
    int expected = 0;
    int desired = 0;
    if (spec.getMaxUnavailable() != null) {
      expected = expectedScale(podsMatchingSelector, controllerScale);
      int maxUnavailable = scaledValueRoundingUp(spec.getMaxUnavailable(), expected);
      desired = Math.max(0, expected - maxUnavailable);
    } else if (spec.getMinAvailable() != null) {
      IntOrString minAvailable = spec.getMinAvailable();
      if (minAvailable.getIntVal() != null) {
        // An integer minAvailable needs no controller: the pods are counted as they are.
        desired = minAvailable.getIntVal();
        expected = podsMatchingSelector.size();
      } else {
        expected = expectedScale(podsMatchingSelector, controllerScale);
        desired = scaledValueRoundingUp(minAvailable, expected);
      }
    }
    int healthy = countHealthy(podsMatchingSelector);
    return new Budget(healthy, desired, expected, Math.max(0, healthy - desired));
  }

  /**
   * Whether the eviction API lets this pod go under this budget (eviction.go {@code Create}): a
   * pod that is not Ready does not count as healthy, so taking it costs nothing when the policy
   * is AlwaysAllow, or (IfHealthyBudget, the default) when the budget is already met; otherwise
   * the eviction needs a disruption left ({@code checkAndDecrement}).
   */
  public static boolean evictionAllowed(PodDisruptionBudget pdb, Pod pod, Budget budget) {
    if (!isReady(pod)) {
      if (ALWAYS_ALLOW.equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())) {
        return true;
      }
      if (budget.currentHealthy() >= budget.desiredHealthy() && budget.desiredHealthy() > 0) {
        return true;
      }
    }
    return budget.disruptionsAllowed() > 0;
  }

  /** Sum of the scales of the distinct controllers of the pods (getExpectedScale). */
  private static int expectedScale(List<Pod> pods, ToIntFunction<OwnerReference> controllerScale) {
    Map<String, Integer> scaleByControllerUid = new HashMap<>();
    for (Pod pod : pods) {
      OwnerReference controller = controllerOf(pod);
      if (controller == null || scaleByControllerUid.containsKey(controller.getUid())) {
        continue; // unmanaged, or a controller already counted
      }
      int scale = controllerScale.applyAsInt(controller);
      if (scale >= 0) {
        scaleByControllerUid.put(controller.getUid(), scale);
      }
    }
    return scaleByControllerUid.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Ready and not being deleted (countHealthyPods). */
  private static int countHealthy(List<Pod> pods) {
    int healthy = 0;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() == null && isReady(pod)) {
        healthy++;
      }
    }
    return healthy;
  }

  /** An int as it is; a percentage of total, rounded up (intstr.GetScaledValueFromIntOrPercent). */
  static int scaledValueRoundingUp(IntOrString value, int total) {
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String text = value.getStrVal().trim();
    if (!text.endsWith("%")) {
      throw new IllegalArgumentException("invalid value for IntOrString: " + text);
    }
    int percent = Integer.parseInt(text.substring(0, text.length() - 1));
    return (int) Math.ceil(percent * (double) total / 100);
  }

  static OwnerReference controllerOf(Pod pod) {
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    if (owners == null) {
      return null;
    }
    return owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
  }

  static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
