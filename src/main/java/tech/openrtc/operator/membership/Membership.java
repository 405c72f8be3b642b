package tech.openrtc.operator.membership;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live membership of one AgentDeployment, published in ConfigMap {@code <name>-membership}
 * and mounted at /etc/openrtc/membership: which version takes new calls, which are draining, and
 * the public keys that verify credentials.
 */
public record Membership(String activeVersion, String activeRevision, List<Member> draining, String jwksJson) {

  public static final String ACTIVE_VERSION = "active-version";
  public static final String ACTIVE_REVISION = "active-revision";
  public static final String DRAINING = "draining";
  public static final String JWKS = "jwks.json";

  // Lenient about members' extra fields: a newer operator may say more about a draining revision.
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public record Member(String version, String revision) {}

  public static String configMapName(String deployment) {
    return deployment + "-membership";
  }

  public Map<String, String> toConfigMapData() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(ACTIVE_VERSION, activeVersion == null ? "" : activeVersion);
    data.put(ACTIVE_REVISION, activeRevision == null ? "" : activeRevision);
    try {
      data.put(DRAINING, JSON.writeValueAsString(draining));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    data.put(JWKS, jwksJson);
    return data;
  }

  public static Membership fromConfigMapData(Map<String, String> data) {
    List<Member> draining = new ArrayList<>();
    String list = data.get(DRAINING);
    if (list != null && !list.isBlank()) {
      try {
        List<Member> read = JSON.readValue(list, new TypeReference<List<Member>>() {});
        draining = read == null ? new ArrayList<>() : read; // the JSON text "null"
      } catch (IOException e) {
        throw new IllegalArgumentException("membership: " + DRAINING + " is not a JSON list of {version, revision}");
      }
    }
    return new Membership(blankToNull(data.get(ACTIVE_VERSION)), blankToNull(data.get(ACTIVE_REVISION)), draining,
        data.get(JWKS));
  }

  /** Reads the mounted ConfigMap: one file per key. */
  public static Membership fromDirectory(Path dir) {
    Map<String, String> data = new LinkedHashMap<>();
    for (String key : List.of(ACTIVE_VERSION, ACTIVE_REVISION, DRAINING, JWKS)) {
      Path file = dir.resolve(key);
      if (Files.isRegularFile(file)) {
        try {
          data.put(key, Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        }
      }
    }
    if (!data.containsKey(JWKS)) {
      throw new IllegalArgumentException("no " + JWKS + " in " + dir);
    }
    return fromConfigMapData(data);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
