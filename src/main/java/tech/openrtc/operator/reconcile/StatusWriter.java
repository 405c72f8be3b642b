package tech.openrtc.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;

/**
 * Writes status only when it changed (with nothing changing, the operator writes nothing), as one
 * JSON patch of the status subresource: never server-side apply.
 *
 * <p>It also remembers what it wrote, so a reconcile that runs before the informer has delivered
 * the write does not act on an older status (an older activeRevision or callsCut).
 */
public class StatusWriter {

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private record Written(long resourceVersion, AgentDeploymentStatus status) {}

  private final KubernetesClient client;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  public StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /** The resource with the newest status this operator knows of. */
  public AgentDeployment freshest(AgentDeployment resource) {
    Written w = written.get(resource.getMetadata().getUid());
    if (w != null && version(resource) < w.resourceVersion()) {
      AgentDeployment copy = Serialization.clone(resource);
      copy.setStatus(Serialization.clone(w.status()));
      return copy;
    }
    return resource;
  }

  public boolean changed(AgentDeployment resource, AgentDeploymentStatus status) {
    JsonNode before = JSON.valueToTree(resource.getStatus() == null ? new AgentDeploymentStatus() : resource.getStatus());
    return !before.equals(JSON.valueToTree(status));
  }

  /** Returns true when a write was made. */
  public boolean writeIfChanged(AgentDeployment resource, AgentDeploymentStatus status) {
    if (!changed(resource, status)) {
      return false;
    }
    String patch = Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    AgentDeployment updated = client.resources(AgentDeployment.class)
        .inNamespace(resource.getMetadata().getNamespace())
        .resource(resource)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
    written.put(resource.getMetadata().getUid(), new Written(version(updated), status));
    resource.setStatus(status);
    return true;
  }

  public void forget(String uid) {
    written.remove(uid);
  }

  private static long version(AgentDeployment resource) {
    try {
      return Long.parseLong(resource.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      return Long.MIN_VALUE;
    }
  }
}
