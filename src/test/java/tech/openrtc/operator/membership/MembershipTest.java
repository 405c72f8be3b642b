package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {

  private final String jwks = SigningKeySet.create(Instant.now()).jwksJson();
  private final Membership membership = new Membership("2026.11.2", "7f9c2b", List.of(
      new Membership.Member("2026.11.1", "5d8e1a"), new Membership.Member("2026.10.9", "c0ffee")), jwks);

  @Test
  void configMapName() {
    assertThat(Membership.configMapName("support")).isEqualTo("support-membership");
  }

  @Test
  void configMapDataRoundTrip() {
    Map<String, String> data = membership.toConfigMapData();
    assertThat(data).containsOnlyKeys("active-version", "active-revision", "draining", "jwks.json");
    assertThat(data.get("active-version")).isEqualTo("2026.11.2");
    assertThat(data.get("active-revision")).isEqualTo("7f9c2b");
    assertThat(data.get("draining")).isEqualTo(
        "[{\"version\":\"2026.11.1\",\"revision\":\"5d8e1a\"},{\"version\":\"2026.10.9\",\"revision\":\"c0ffee\"}]");
    assertThat(data.get("jwks.json")).isEqualTo(jwks);

    assertThat(Membership.fromConfigMapData(data)).isEqualTo(membership);
  }

  @Test
  void nothingActiveYet() {
    Membership none = new Membership(null, null, List.of(), jwks);
    Map<String, String> data = none.toConfigMapData();
    assertThat(data.get("active-version")).isEmpty();
    assertThat(data.get("draining")).isEqualTo("[]");
    assertThat(Membership.fromConfigMapData(data)).isEqualTo(none);
  }

  @Test
  void sparseOrNewerDataIsRead() {
    Map<String, String> data = new HashMap<>();
    data.put("jwks.json", jwks);
    data.put("active-version", " 2026.11.2\n");
    assertThat(Membership.fromConfigMapData(data))
        .isEqualTo(new Membership("2026.11.2", null, List.of(), jwks));
    data.put("draining", "null");
    assertThat(Membership.fromConfigMapData(data).draining()).isEmpty();
    // A newer operator may say more about a draining revision: an older reader ignores it.
    data.put("draining", "[{\"version\":\"1\",\"revision\":\"a\",\"drainStartedAt\":\"2026-01-01T00:00:00Z\"}]");
    assertThat(Membership.fromConfigMapData(data).draining()).containsExactly(new Membership.Member("1", "a"));
    data.put("draining", "{\"not\":\"a list\"}");
    assertThatThrownBy(() -> Membership.fromConfigMapData(data)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void directoryRoundTrip(@TempDir Path dir) throws Exception {
    for (Map.Entry<String, String> e : membership.toConfigMapData().entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
    }
    assertThat(Membership.fromDirectory(dir)).isEqualTo(membership);
  }

  /** The kubelet's layout: each key a symlink to ..data/key, ..data a symlink to a timestamped dir. */
  @Test
  void directoryWithTheKubeletsAtomicWriterLayout(@TempDir Path dir) throws Exception {
    Path ts = Files.createDirectory(dir.resolve("..2026_01_01_00_00_00.000000001"));
    for (Map.Entry<String, String> e : membership.toConfigMapData().entrySet()) {
      Files.writeString(ts.resolve(e.getKey()), e.getValue() + "\n", StandardCharsets.UTF_8);
    }
    Files.createSymbolicLink(dir.resolve("..data"), ts.getFileName());
    for (String key : membership.toConfigMapData().keySet()) {
      Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
    }
    assertThat(Membership.fromDirectory(dir)).isEqualTo(membership);
  }

  @Test
  void directoryWithoutKeysIsAnError(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> Membership.fromDirectory(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jwks.json");
    assertThatThrownBy(() -> Membership.fromDirectory(dir.resolve("absent")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void directoryWithOnlyTheKeysHasNoActiveVersion(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("jwks.json"), jwks);
    Membership m = Membership.fromDirectory(dir);
    assertThat(m.activeVersion()).isNull();
    assertThat(m.draining()).isEmpty();
    assertThat(m.jwksJson()).isEqualTo(jwks);
  }
}
