package tech.openrtc.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** A revision is identified by a stable hash of (version, template, agentName). */
public final class Revisions {

  /** Kubernetes' own "safe" alphabet for generated names: no vowels, no look-alike characters. */
  static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int LENGTH = 10;
  private static final ObjectMapper MAPPER = Serialization.jsonMapper();

  private Revisions() {}

  /**
   * The agent name is part of the hash because it is injected into every container: changing it
   * must start new workers, like any template change.
   */
  public static String hash(String version, PodTemplateSpec template, String agentName) {
    String canonical = version + "\n" + canonical(MAPPER.valueToTree(template)) + "\n"
        + (agentName == null ? "" : agentName);
    byte[] digest = sha256(canonical.getBytes(StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder(LENGTH);
    for (int i = 0; i < LENGTH; i++) {
      out.append(ALPHABET.charAt((digest[i] & 0xff) % ALPHABET.length()));
    }
    return out.toString();
  }

  /** JSON with object keys sorted at every level, so field order never changes the hash. */
  static String canonical(JsonNode node) {
    return sortKeys(node).toString();
  }

  private static JsonNode sortKeys(JsonNode node) {
    if (node == null || node.isNull()) {
      return MAPPER.nullNode();
    }
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), sortKeys(e.getValue()));
      }
      ObjectNode out = MAPPER.createObjectNode();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = MAPPER.createArrayNode();
      node.forEach(child -> out.add(sortKeys(child)));
      return out;
    }
    return node;
  }

  private static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
