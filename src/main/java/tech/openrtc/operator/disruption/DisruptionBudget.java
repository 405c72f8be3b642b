package tech.openrtc.operator.disruption;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.Map;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Controllers;
import tech.openrtc.operator.api.Names;

/**
 * The PodDisruptionBudget of one AgentDeployment: the eviction API may evict none of its healthy
 * pods. Pure: no client.
 *
 * <p>The disruption controller allows {@code healthy - desiredHealthy} evictions
 * (kubernetes pkg/controller/disruption/disruption.go, getExpectedPodCount). With
 * {@code maxUnavailable} or a percentage, desiredHealthy comes from the owner's scale
 * ({@code spec.replicas}), so while pods outnumber replicas (a rollout, an evacuation) evictions are
 * allowed again: {@code maxUnavailable: 0} with 6 healthy pods and 3 replicas lets 3 go. Only an
 * integer {@code minAvailable} is independent of the scale, so the budget is an integer
 * {@code minAvailable} at least the number of the deployment's pods: healthy pods never exceed it,
 * and disruptionsAllowed stays 0. Unhealthy pods may go ({@code unhealthyPodEvictionPolicy:
 * AlwaysAllow}): they hold no call, and a crashed pod must not block a node drain.
 */
public final class DisruptionBudget {

  private DisruptionBudget() {}

  /**
   * The {@code minAvailable} to keep. It is raised as soon as the deployment will have more pods
   * than it ({@code podsAfter} counts this pass's creates, and the budget is written before them),
   * and lowered only once the deployment is settled, so a rollout or an evacuation costs two
   * writes of the budget, not one per pod.
   *
   * @param current the stored minAvailable, null when there is no budget yet
   * @param podsAfter the deployment's pods that are not terminating once this pass is carried out
   * @param settled nothing is draining or rolling out (phase Healthy)
   */
  public static int minAvailable(Integer current, int podsAfter, boolean settled) {
    if (current == null || podsAfter > current || settled) {
      return podsAfter;
    }
    return current;
  }

  /** The stored budget's integer minAvailable; null when absent or not an integer (then it is rewritten). */
  public static Integer storedMinAvailable(PodDisruptionBudget pdb) {
    if (pdb == null || pdb.getSpec() == null || pdb.getSpec().getMaxUnavailable() != null) {
      return null;
    }
    IntOrString min = pdb.getSpec().getMinAvailable();
    return min == null || min.getIntVal() == null ? null : min.getIntVal();
  }

  /** True when {@code pdb} is ours to change: controlled by this AgentDeployment. */
  public static boolean owns(PodDisruptionBudget pdb, String ownerUid) {
    return ownerUid.equals(Controllers.uid(pdb));
  }

  /** True when {@code pdb} already says what {@link #build} would. */
  public static boolean upToDate(PodDisruptionBudget pdb, int minAvailable) {
    return Integer.valueOf(minAvailable).equals(storedMinAvailable(pdb))
        && "AlwaysAllow".equals(pdb.getSpec().getUnhealthyPodEvictionPolicy())
        && pdb.getSpec().getSelector() != null
        && selector(pdb.getMetadata().getName()).equals(pdb.getSpec().getSelector().getMatchLabels());
  }

  public static PodDisruptionBudget build(AgentDeployment owner, int minAvailable) {
    String name = owner.getMetadata().getName();
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(owner.getMetadata().getNamespace())
          .withLabels(Map.of(Names.LABEL_DEPLOYMENT, name))
          .withOwnerReferences(owner.controllerReference())
        .endMetadata()
        .withNewSpec()
          .withMinAvailable(new IntOrString(minAvailable))
          .withNewSelector().withMatchLabels(selector(name)).endSelector()
          .withUnhealthyPodEvictionPolicy("AlwaysAllow")
        .endSpec()
        .build();
  }

  private static Map<String, String> selector(String deployment) {
    return Map.of(Names.LABEL_DEPLOYMENT, deployment);
  }
}
