package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.kubernetes.client.utils.Serialization;

/** JSON patches (RFC 6902) the sim's own clients send. */
final class JsonPatches {

  private JsonPatches() {}

  /**
   * Sets one field, guarded by the resourceVersion the new value was computed from: the server
   * answers 409 if the object changed in between, and the caller reads it again and retries.
   */
  static String setIfUnchanged(String resourceVersion, String path, Object value) {
    ObjectMapper json = Serialization.jsonMapper();
    ArrayNode ops = json.createArrayNode();
    ops.addObject().put("op", "replace").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
    ops.addObject().put("op", "add").put("path", path).set("value", json.valueToTree(value));
    return ops.toString();
  }
}
