package tech.openrtc.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;

/**
 * Writes status only when it changed (with nothing changing, the operator writes nothing), as one
 * JSON patch of the status subresource: never server-side apply.
 *
 * <p>A change of the in-flight counts alone (a call starting or ending on a draining pod) is
 * written at most every {@link #IN_FLIGHT_ONLY_INTERVAL}: the CALLS column stays live without a
 * write per call. Every other change is written at once.
 *
 * <p>It also remembers what it wrote, so a reconcile that runs before the informer has delivered
 * the write does not act on an older status (an older activeRevision or callsCut).
 */
public class StatusWriter {

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private record Written(long resourceVersion, AgentDeploymentStatus status) {}

  private final KubernetesClient client;
  private final Map<String, Written> written = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastWrite = new ConcurrentHashMap<>();
  static final Duration IN_FLIGHT_ONLY_INTERVAL = Duration.ofSeconds(5);

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
    String uid = resource.getMetadata().getUid();
    Instant now = Instant.now();
    Instant last = lastWrite.get(uid);
    if (last != null && now.isBefore(last.plus(IN_FLIGHT_ONLY_INTERVAL))
        && onlyInFlightDiffers(resource.getStatus(), status)) {
      return false;
    }
    String patch = Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    AgentDeployment updated = client.resources(AgentDeployment.class)
        .inNamespace(resource.getMetadata().getNamespace())
        .resource(resource)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
    written.put(uid, new Written(version(updated), status));
    lastWrite.put(uid, now);
    resource.setStatus(status);
    return true;
  }

  /** Forgets deployments that are gone. */
  public void retain(java.util.Set<String> uids) {
    written.keySet().retainAll(uids);
    lastWrite.keySet().retainAll(uids);
  }

  /**
   * True when the two differ in nothing but how many calls are in flight, with every count that
   * was 0 still 0 and every count above 0 still above 0: drainingCalls, versions[].inFlight*, and
   * the messages that quote them. A count reaching or leaving 0 (what a user waits for) is
   * written at once, as is any change of phase, pods or conditions.
   */
  static boolean onlyInFlightDiffers(AgentDeploymentStatus before, AgentDeploymentStatus after) {
    if (before == null) {
      return false;
    }
    return withoutInFlight(before).equals(withoutInFlight(after));
  }

  private static JsonNode withoutInFlight(AgentDeploymentStatus status) {
    ObjectNode tree = JSON.valueToTree(status);
    tree.remove("message");
    zeroOrSome(tree, "drainingCalls");
    tree.path("conditions").forEach(c -> ((ObjectNode) c).remove("message"));
    tree.path("versions").forEach(v -> {
      zeroOrSome((ObjectNode) v, "inFlight");
      zeroOrSome((ObjectNode) v, "inFlightUnknown");
    });
    return tree;
  }

  private static void zeroOrSome(ObjectNode node, String field) {
    if (node.hasNonNull(field)) {
      node.put(field, node.get(field).asInt() == 0 ? "zero" : "some");
    }
  }

  private static long version(AgentDeployment resource) {
    try {
      return Long.parseLong(resource.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      return Long.MIN_VALUE;
    }
  }
}
