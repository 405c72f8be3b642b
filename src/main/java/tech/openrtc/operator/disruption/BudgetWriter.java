package tech.openrtc.operator.disruption;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.Map;

/** Creates, patches or deletes a deployment's PodDisruptionBudget. */
public final class BudgetWriter {

  private final KubernetesClient client;

  public BudgetWriter(KubernetesClient client) {
    this.client = client;
  }

  public void delete(PodDisruptionBudget pdb) {
    client.policy().v1().podDisruptionBudget().inNamespace(pdb.getMetadata().getNamespace())
        .withName(pdb.getMetadata().getName()).delete();
  }

  /** Creates {@code pdb}, or patches its spec when it {@code exists} (or turns out to). */
  public void write(PodDisruptionBudget pdb, boolean exists) {
    var budgets = client.policy().v1().podDisruptionBudget().inNamespace(pdb.getMetadata().getNamespace());
    if (!exists) {
      try {
        budgets.resource(pdb).create();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    // A merge patch of the spec (maxUnavailable removed: only an integer minAvailable keeps 0).
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("minAvailable", pdb.getSpec().getMinAvailable().getIntVal());
    spec.put("maxUnavailable", null);
    spec.put("selector", pdb.getSpec().getSelector());
    spec.put("unhealthyPodEvictionPolicy", pdb.getSpec().getUnhealthyPodEvictionPolicy());
    budgets.withName(pdb.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("spec", spec)));
  }
}
