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
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.time.Clock;
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
 * <p>The written resource goes into JOSDK's cache of the primary resource
 * ({@link PrimaryUpdateAndCacheUtils}), so a pass that runs before the watch delivers the write
 * does not act on an older status (an older activeRevision or callsCut).
 */
public class StatusWriter {

  private static final ObjectMapper JSON = Serialization.jsonMapper();
  static final Duration IN_FLIGHT_ONLY_INTERVAL = Duration.ofSeconds(5);
  static final Duration SERVING_ONLY_INTERVAL = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final Clock clock;

  public StatusWriter(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /**
   * Whether {@code status} is to be written over {@code stored}: it differs, and
   * <ul>
   *   <li>not only in the call counts of pods that are not draining (read every
   *       drain.activePollSeconds) within {@link #SERVING_ONLY_INTERVAL} of the last write: at
   *       steady traffic that is at most one write a minute per deployment, and /metrics has the
   *       counts live; an absent count and 0 are the same, so an idle deployment writes nothing;
   *   <li>not in call counts alone within {@link #IN_FLIGHT_ONLY_INTERVAL} of the last write.
   * </ul>
   */
  static boolean due(AgentDeploymentStatus stored, AgentDeploymentStatus status, Instant lastWrite, Instant now) {
    JsonNode before = JSON.valueToTree(stored == null ? new AgentDeploymentStatus() : stored);
    JsonNode after = JSON.valueToTree(status);
    if (before.equals(after)) {
      return false;
    }
    if (withoutServingInFlight(before).equals(withoutServingInFlight(after))) {
      return !servingCounts(before).equals(servingCounts(after))
          && (lastWrite == null || !now.isBefore(lastWrite.plus(SERVING_ONLY_INTERVAL)));
    }
    return lastWrite == null || !now.isBefore(lastWrite.plus(IN_FLIGHT_ONLY_INTERVAL))
        || !onlyInFlightDiffers(stored, status);
  }

  /** Returns true when a write was made. */
  boolean write(AgentDeployment resource, AgentDeploymentStatus status, DeploymentMemory memory,
      Context<AgentDeployment> context) {
    Instant now = clock.instant();
    if (!due(resource.getStatus(), status, memory.lastStatusWrite, now)) {
      return false;
    }
    String patch = Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    PrimaryUpdateAndCacheUtils.updateAndCacheResource(resource, context, r -> {
      r.setStatus(status);
      return r;
    }, r -> client.resources(AgentDeployment.class).inNamespace(r.getMetadata().getNamespace()).resource(r)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch));
    memory.lastStatusWrite = now;
    return true;
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
    tree.remove("calls");
    zeroOrSome(tree, "drainingCalls");
    tree.path("conditions").forEach(c -> ((ObjectNode) c).remove("message"));
    tree.path("versions").forEach(v -> {
      zeroOrSome((ObjectNode) v, "inFlight");
      zeroOrSome((ObjectNode) v, "inFlightUnknown");
    });
    return tree;
  }

  /** The status without the call counts of versions that are not draining (and their total). */
  private static JsonNode withoutServingInFlight(JsonNode status) {
    ObjectNode tree = status.deepCopy();
    tree.remove("calls");
    tree.path("versions").forEach(v -> {
      if (!"Draining".equals(v.path("role").asText())) {
        ((ObjectNode) v).remove("inFlight");
      }
    });
    return tree;
  }

  /** The call counts of versions that are not draining, and the total; absent reads as 0. */
  private static List<Integer> servingCounts(JsonNode status) {
    List<Integer> counts = new java.util.ArrayList<>();
    counts.add(status.path("calls").asInt(0));
    status.path("versions").forEach(v -> {
      if (!"Draining".equals(v.path("role").asText())) {
        counts.add(v.path("inFlight").asInt(0));
      }
    });
    return counts;
  }

  private static void zeroOrSome(ObjectNode node, String field) {
    if (node.hasNonNull(field)) {
      node.put(field, node.get(field).asInt() == 0 ? "zero" : "some");
    }
  }
}
