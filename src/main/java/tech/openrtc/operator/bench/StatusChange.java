package tech.openrtc.operator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Why a status write happened, judged from the status before and after it: the most significant
 * thing that changed, so that every status write has exactly one cause.
 */
final class StatusChange {

  private StatusChange() {}

  static final String PHASE = "phase";
  static final String REVISIONS = "revisions (target, active, stable)";
  static final String POD_COUNTS = "pod counts (replicas, ready, draining)";
  static final String IN_FLIGHT = "in-flight counts (drainingCalls, versions[].inFlight)";
  static final String CONDITIONS = "conditions or message only";

  private static final List<String> REVISION_FIELDS = List.of("targetRevision", "targetVersion", "activeRevision",
      "activeVersion", "stableRevision");
  private static final List<String> COUNT_FIELDS = List.of("replicas", "readyReplicas", "drainingReplicas");
  private static final List<String> VERSION_COUNTS = List.of("version", "revision", "role", "replicas", "ready",
      "drainStartedAt");
  private static final List<String> IN_FLIGHT_FIELDS = List.of("drainingCalls");
  private static final List<String> VERSION_IN_FLIGHT = List.of("inFlight", "inFlightUnknown");

  /** The cause of a change from {@code a} to {@code b}; null if the status did not change. */
  static String cause(Object before, Object after) {
    JsonNode a = tree(before);
    JsonNode b = tree(after);
    if (a.equals(b)) {
      return null;
    }
    if (differ(a, b, List.of(PHASE))) {
      return PHASE;
    }
    if (differ(a, b, REVISION_FIELDS)) {
      return REVISIONS;
    }
    if (differ(a, b, COUNT_FIELDS) || !versions(a, VERSION_COUNTS).equals(versions(b, VERSION_COUNTS))) {
      return POD_COUNTS;
    }
    if (differ(a, b, IN_FLIGHT_FIELDS) || !versions(a, VERSION_IN_FLIGHT).equals(versions(b, VERSION_IN_FLIGHT))) {
      return IN_FLIGHT;
    }
    Set<String> other = new TreeSet<>();
    a.fieldNames().forEachRemaining(other::add);
    b.fieldNames().forEachRemaining(other::add);
    other.removeIf(f -> Objects.equals(a.get(f), b.get(f)));
    other.removeAll(Set.of("conditions", "message"));
    return other.isEmpty() ? CONDITIONS : "other: " + String.join(", ", other);
  }

  private static JsonNode tree(Object status) {
    return status == null ? Serialization.jsonMapper().createObjectNode() : Serialization.jsonMapper().valueToTree(status);
  }

  private static boolean differ(JsonNode a, JsonNode b, List<String> fields) {
    return fields.stream().anyMatch(f -> !Objects.equals(a.get(f), b.get(f)));
  }

  /** versions[] with only the given fields of each entry. */
  private static ArrayNode versions(JsonNode status, List<String> fields) {
    ArrayNode out = Serialization.jsonMapper().createArrayNode();
    status.path("versions").forEach(v -> {
      ObjectNode kept = out.addObject();
      fields.forEach(f -> {
        if (v.has(f)) {
          kept.set(f, v.get(f));
        }
      });
    });
    return out;
  }
}
