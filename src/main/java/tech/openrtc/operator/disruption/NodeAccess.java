package tech.openrtc.operator.disruption;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether this operator may read Nodes: a namespaced install (a Role, no ClusterRole) may not. */
public final class NodeAccess {

  private static final Logger LOG = LoggerFactory.getLogger(NodeAccess.class);

  private NodeAccess() {}

  /**
   * Lists one Node. Forbidden (or unauthorized): evacuation is off, said once here; the budget
   * still holds. Any other error is the API server's, not ours to read as a refusal: evacuation
   * stays on and the informer retries.
   */
  public static boolean canWatchNodes(KubernetesClient client) {
    try {
      client.nodes().list(new ListOptionsBuilder().withLimit(1L).build());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 401 || e.getCode() == 403) {
        LOG.warn("no permission to list Nodes (HTTP {}): evacuation of nodes being drained is off; worker pods are"
            + " still protected by their PodDisruptionBudget. Grant get/list/watch on nodes to turn it on.", e.getCode());
        return false;
      }
      LOG.warn("listing Nodes failed (HTTP {}): evacuation stays on", e.getCode());
      return true;
    }
  }
}
