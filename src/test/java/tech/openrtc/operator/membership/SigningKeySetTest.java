package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.membership.MembershipVerifier.Outcome;

class SigningKeySetTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TTL = Duration.ofHours(24);

  private static String mint(SigningKeySet set, String version, Instant now) {
    return CredentialIssuer.mint(set.current(), "voice/support", "support", version, "r-" + version, now, TTL);
  }

  private static String kidOf(String token) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0])).path("kid").asText();
  }

  @Test
  void freshSetHasOneActiveKeyWithAKid() {
    Instant now = Instant.now();
    SigningKeySet set = SigningKeySet.create(now);
    assertThat(set.keys()).hasSize(1);
    SigningKey k = set.current();
    assertThat(k.active()).isTrue();
    assertThat(k.kid()).isNotBlank();
    assertThat(k.createdAt()).isEqualTo(now);
    assertThat(SigningKeySet.create(now).current().kid()).isNotEqualTo(k.kid());
  }

  @Test
  void rotationKeepsOldTokensValidAndSignsNewOnesWithTheNewKid() throws Exception {
    Instant t0 = Instant.now().minus(Duration.ofHours(1));
    SigningKeySet before = SigningKeySet.create(t0);
    String old = mint(before, "v1", t0);

    Instant t1 = Instant.now();
    SigningKeySet after = before.rotated(t1);
    assertThat(after.keys()).hasSize(2);
    SigningKey retired = after.keys().get(0);
    assertThat(retired.kid()).isEqualTo(before.current().kid());
    assertThat(retired.active()).isFalse();
    assertThat(retired.retiredAt()).isEqualTo(t1);
    assertThat(after.current().kid()).isNotEqualTo(before.current().kid());
    assertThat(after.current().createdAt()).isEqualTo(t1);

    // The old, unexpired token still verifies against the new set's published keys...
    assertThat(MembershipVerifier.verify(old, after.jwksJson(), "v1").outcome()).isEqualTo(Outcome.VALID);
    // ...new ones are signed by the new key, and verify too...
    String fresh = mint(after, "v1", t1);
    assertThat(kidOf(fresh)).isEqualTo(after.current().kid());
    assertThat(MembershipVerifier.verify(fresh, after.jwksJson(), "v1").outcome()).isEqualTo(Outcome.VALID);
    // ...but not against the keys published before the rotation.
    assertThat(MembershipVerifier.verify(fresh, before.jwksJson(), "v1").outcome()).isEqualTo(Outcome.UNKNOWN_KID);

    // Rotating again retires the second key and keeps the first one retired at its own time.
    SigningKeySet third = after.rotated(t1.plusSeconds(10));
    assertThat(third.keys()).hasSize(3);
    assertThat(third.keys().get(0).retiredAt()).isEqualTo(t1);
    assertThat(third.keys().get(1).retiredAt()).isEqualTo(t1.plusSeconds(10));
    assertThat(third.keys().stream().filter(SigningKey::active)).hasSize(1);
  }

  @Test
  void theFirstKeySignsAtOnce() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    SigningKeySet set = SigningKeySet.create(t0);
    assertThat(set.signer(t0)).isEqualTo(set.current());
    assertThat(set.nextSignerAt(t0)).isEmpty();
  }

  @Test
  void aNewKeyIsPublishedAtOnceAndSignsOnlyAfterThePublishDelay() throws Exception {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    SigningKeySet before = SigningKeySet.create(t0);
    Instant t1 = t0.plus(Duration.ofDays(1));
    SigningKeySet after = before.rotated(t1);
    String oldKid = before.current().kid();
    String newKid = after.current().kid();

    // Both keys are in the JWKS from the rotation on.
    assertThat(JSON.readTree(after.jwksJson()).path("keys")).extracting(k -> k.path("kid").asText())
        .containsExactly(oldKid, newKid);
    // The previous key signs until the new one is PUBLISH_DELAY old, then the new one.
    Instant ready = t1.plus(SigningKeySet.PUBLISH_DELAY);
    assertThat(after.signer(t1).kid()).isEqualTo(oldKid);
    assertThat(after.signer(ready.minusMillis(1)).kid()).isEqualTo(oldKid);
    assertThat(after.signer(ready).kid()).isEqualTo(newKid);
    assertThat(after.signer(ready.plusSeconds(3600)).kid()).isEqualTo(newKid);
    assertThat(after.nextSignerAt(t1)).contains(ready);
    assertThat(after.nextSignerAt(ready)).isEmpty();
    // The same after a round trip through the Secret.
    assertThat(SigningKeySet.fromSecretData(after.toSecretData()).signer(t1.plusSeconds(60)).kid()).isEqualTo(oldKid);
  }

  @Test
  void rotationsCloserThanThePublishDelayHandOverInOrder() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    // A fresh set rotated at once: no key is old enough yet, so the first one keeps signing.
    SigningKeySet set = SigningKeySet.create(t0).rotated(t0.plusSeconds(10)).rotated(t0.plusSeconds(20));
    List<String> kids = set.keys().stream().map(SigningKey::kid).toList();
    assertThat(set.signer(t0.plusSeconds(30)).kid()).isEqualTo(kids.get(0));
    assertThat(set.nextSignerAt(t0.plusSeconds(30))).contains(t0.plusSeconds(10).plus(SigningKeySet.PUBLISH_DELAY));
    assertThat(set.signer(t0.plusSeconds(10).plus(SigningKeySet.PUBLISH_DELAY)).kid()).isEqualTo(kids.get(1));
    assertThat(set.signer(t0.plusSeconds(20).plus(SigningKeySet.PUBLISH_DELAY)).kid()).isEqualTo(kids.get(2));
  }

  @Test
  void prunedDropsARetiredKeyOnlyAfterTheLongestTokenLifetime() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Instant retiredAt = t0.plus(Duration.ofDays(3));
    SigningKeySet set = SigningKeySet.create(t0).rotated(retiredAt);
    String oldKid = set.keys().get(0).kid();
    String newKid = set.current().kid();
    // The retired key signs until the new one may: its tokens' lifetime counts from then.
    Instant stoppedSigning = retiredAt.plus(SigningKeySet.PUBLISH_DELAY);
    assertThat(set.signer(stoppedSigning.minusMillis(1)).kid()).isEqualTo(oldKid);

    assertThat(set.pruned(retiredAt, TTL).keys()).hasSize(2);
    assertThat(set.pruned(retiredAt.plus(TTL).plusSeconds(1), TTL).keys()).hasSize(2);
    assertThat(set.pruned(stoppedSigning.plus(TTL).minusSeconds(1), TTL).keys()).hasSize(2);
    // A token signed at the moment it stopped signing is still valid at exactly that + ttl.
    assertThat(set.pruned(stoppedSigning.plus(TTL), TTL).keys()).extracting(SigningKey::kid).contains(oldKid);
    SigningKeySet pruned = set.pruned(stoppedSigning.plus(TTL).plusSeconds(1), TTL);
    assertThat(pruned.keys()).extracting(SigningKey::kid).containsExactly(newKid);
    assertThat(pruned.current().kid()).isEqualTo(newKid);
    // The active key is never pruned, however old.
    assertThat(SigningKeySet.create(t0).pruned(t0.plus(Duration.ofDays(3650)), TTL).keys()).hasSize(1);
  }

  @Test
  void secretDataRoundTripKeepsKidsTimesAndSigningAbility() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    SigningKeySet set = SigningKeySet.create(t0).rotated(t0.plusSeconds(60));
    Map<String, String> data = set.toSecretData();
    assertThat(data).containsOnlyKeys(SigningKeySet.SECRET_KEY);

    SigningKeySet back = SigningKeySet.fromSecretData(data);
    assertThat(back.keys()).extracting(SigningKey::kid).containsExactlyElementsOf(
        set.keys().stream().map(SigningKey::kid).toList());
    assertThat(back.keys()).extracting(SigningKey::createdAt).containsExactly(t0, t0.plusSeconds(60));
    assertThat(back.keys()).extracting(SigningKey::retiredAt).containsExactly(t0.plusSeconds(60), null);
    assertThat(back.current().kid()).isEqualTo(set.current().kid());
    assertThat(back.jwksJson()).isEqualTo(set.jwksJson());

    // The reloaded key signs tokens the original's public keys verify, and vice versa.
    String byReloaded = mint(back, "v1", Instant.now());
    assertThat(MembershipVerifier.verify(byReloaded, set.jwksJson(), "v1").ok()).isTrue();
    String byOriginal = mint(set, "v1", Instant.now());
    assertThat(MembershipVerifier.verify(byOriginal, back.jwksJson(), "v1").ok()).isTrue();
    // The retired key came back with its private part as well.
    String byRetired = CredentialIssuer.mint(back.keys().get(0), "voice/support", "support", "v1", "r", Instant.now(), TTL);
    assertThat(MembershipVerifier.verify(byRetired, set.jwksJson(), "v1").ok()).isTrue();
  }

  @Test
  void unreadableSecretDataSaysSoWithoutTheKey() {
    assertThatThrownBy(() -> SigningKeySet.fromSecretData(Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeySet.fromSecretData(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKeySet.fromSecretData(Map.of(SigningKeySet.SECRET_KEY, "{nope")))
        .isInstanceOf(IllegalArgumentException.class);
    // Only public keys (what the ConfigMap holds) cannot sign.
    SigningKeySet set = SigningKeySet.create(Instant.now());
    String publicOnly = "[{\"jwk\":" + JSON.valueToTree(set.jwksJson()).asText().replaceFirst("^\\{\"keys\":\\[", "")
        .replaceFirst("]}$", "") + ",\"createdAt\":\"2026-01-01T00:00:00Z\",\"retiredAt\":null}]";
    assertThatThrownBy(() -> SigningKeySet.fromSecretData(Map.of(SigningKeySet.SECRET_KEY, publicOnly)))
        .isInstanceOf(IllegalArgumentException.class);
    // All keys retired: no key to sign with.
    String allRetired = SigningKeySet.create(Instant.now()).toSecretData().get(SigningKeySet.SECRET_KEY)
        .replace("\"retiredAt\":null", "\"retiredAt\":\"2026-01-01T00:00:00Z\"");
    assertThatThrownBy(() -> SigningKeySet.fromSecretData(Map.of(SigningKeySet.SECRET_KEY, allRetired)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no active key");
  }

  @Test
  void publishedKeysAndToStringNeverContainThePrivateKey() throws Exception {
    SigningKeySet set = SigningKeySet.create(Instant.now()).rotated(Instant.now());
    String jwks = set.jwksJson();

    JsonNode published = JSON.readTree(jwks).path("keys");
    assertThat(published).hasSize(2);
    for (JsonNode jwk : published) {
      assertThat(jwk.has("d")).as("private member d in %s", jwk).isFalse();
      assertThat(jwk.has("p")).isFalse();
      assertThat(jwk.path("kid").asText()).isNotBlank();
      assertThat(jwk.path("use").asText()).isEqualTo("sig");
    }
    assertThat(published).extracting(k -> k.path("kid").asText())
        .containsExactlyElementsOf(set.keys().stream().map(SigningKey::kid).toList());

    // The Secret data does hold them: that is where we find the "d" values to look for.
    JsonNode secret = JSON.readTree(set.toSecretData().get(SigningKeySet.SECRET_KEY));
    List<String> privateParts = new java.util.ArrayList<>();
    for (JsonNode e : secret) {
      assertThat(e.path("jwk").path("d").asText()).isNotBlank();
      privateParts.add(e.path("jwk").path("d").asText());
    }
    for (SigningKey k : set.keys()) {
      privateParts.add(Base64.getEncoder().encodeToString(k.privateKey().getEncoded()));
      privateParts.add(Base64.getUrlEncoder().withoutPadding().encodeToString(k.privateKey().getEncoded()));
    }
    assertThat(privateParts).hasSize(6);
    for (String secretText : privateParts) {
      assertThat(jwks).doesNotContain(secretText);
      assertThat(set.toString()).doesNotContain(secretText);
      for (SigningKey k : set.keys()) {
        assertThat(k.toString()).doesNotContain(secretText).contains(k.kid());
        assertThat(k.publicJwk().toString()).doesNotContain(secretText);
      }
      Membership m = new Membership("v1", "r1", List.of(), jwks);
      assertThat(m.toString()).doesNotContain(secretText);
      assertThat(m.toConfigMapData().toString()).doesNotContain(secretText);
    }
  }
}
