package tech.openrtc.operator.membership;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PrivateJwk;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's signing keys, oldest first. Rotation adds a key and retires the previous one; the
 * new key is published at once but signs only {@link #PUBLISH_DELAY} later. A retired key is
 * dropped once every token it signed has expired.
 */
public final class SigningKeySet {

  /** Key of the Secret's data holding the key set (private parts included). */
  public static final String SECRET_KEY = "keys.json";
  /**
   * How long a new key is published before it signs: pods see a new JWKS only when the kubelet
   * refreshes their ConfigMap volume (its periodic sync, 60-90 s), and a credential signed by a
   * key their JWKS does not list yet would not verify.
   */
  public static final Duration PUBLISH_DELAY = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<SigningKey> keys;
  private final Duration publishDelay;

  private SigningKeySet(List<SigningKey> keys, Duration publishDelay) {
    this.keys = List.copyOf(keys);
    this.publishDelay = publishDelay;
  }

  private SigningKeySet(List<SigningKey> keys) {
    this(keys, PUBLISH_DELAY);
  }

  public static SigningKeySet create(Instant now) {
    return new SigningKeySet(List.of(SigningKey.generate(now)));
  }

  /** The same keys with another publish delay (a cluster whose kubelets sync faster or slower). */
  public SigningKeySet withPublishDelay(Duration delay) {
    return delay.equals(publishDelay) ? this : new SigningKeySet(keys, delay);
  }

  public List<SigningKey> keys() {
    return keys;
  }

  /** The newest key: published at once, but see {@link #signer} for the key that signs. */
  public SigningKey current() {
    for (int i = keys.size() - 1; i >= 0; i--) {
      if (keys.get(i).active()) {
        return keys.get(i);
      }
    }
    throw new IllegalStateException("no active signing key");
  }

  /**
   * The key that signs at {@code now}: the newest one published for at least {@link
   * #PUBLISH_DELAY}. While every key is younger than that, the set is new and its first key signs
   * at once (no JWKS listed anything before it).
   */
  public SigningKey signer(Instant now) {
    return keys.get(signerIndex(now));
  }

  /** When a key newer than {@code signer(now)} starts signing; empty if none is waiting. */
  public Optional<Instant> nextSignerAt(Instant now) {
    return keys.subList(signerIndex(now) + 1, keys.size()).stream()
        .map(k -> k.createdAt().plus(publishDelay)).min(Comparator.naturalOrder());
  }

  private int signerIndex(Instant now) {
    for (int i = keys.size() - 1; i >= 0; i--) {
      if (!keys.get(i).createdAt().plus(publishDelay).isAfter(now)) {
        return i;
      }
    }
    return 0;
  }

  public SigningKeySet rotated(Instant now) {
    List<SigningKey> next = new ArrayList<>();
    for (SigningKey k : keys) {
      next.add(k.active() ? k.retired(now) : k);
    }
    next.add(SigningKey.generate(now));
    return new SigningKeySet(next, publishDelay);
  }

  /**
   * Without retired keys whose every token has expired: {@code maxTokenTtl} after the key stopped
   * signing, which is {@link #PUBLISH_DELAY} after its retirement (its successor's creation). A
   * token is still valid at the instant of its {@code exp}, so the key stays until strictly after.
   */
  public SigningKeySet pruned(Instant now, Duration maxTokenTtl) {
    List<SigningKey> next = new ArrayList<>();
    for (SigningKey k : keys) {
      if (k.active() || !k.retiredAt().plus(publishDelay).plus(maxTokenTtl).isBefore(now)) {
        next.add(k);
      }
    }
    return new SigningKeySet(next, publishDelay);
  }

  /** The public keys as a JWK Set: safe to publish. */
  public String jwksJson() {
    List<Object> jwks = new ArrayList<>();
    for (SigningKey k : keys) {
      jwks.add(readMap(Jwks.json(k.publicJwk())));
    }
    return write(Map.of("keys", jwks));
  }

  /** Secret data (before base64): the private keys too. Only ever written to the Secret. */
  public Map<String, String> toSecretData() {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (SigningKey k : keys) {
      Map<String, Object> e = new LinkedHashMap<>();
      Jwk<?> jwk = Jwks.builder().key(k.privateKey()).publicKey(k.publicKey()).id(k.kid()).build();
      e.put("jwk", readMap(Jwks.UNSAFE_JSON(jwk)));
      e.put("createdAt", k.createdAt().toString());
      e.put("retiredAt", k.retiredAt() == null ? null : k.retiredAt().toString());
      entries.add(e);
    }
    return Map.of(SECRET_KEY, write(entries));
  }

  public static SigningKeySet fromSecretData(Map<String, String> data) {
    String json = data == null ? null : data.get(SECRET_KEY);
    if (json == null) {
      throw new IllegalArgumentException("signing key Secret has no " + SECRET_KEY);
    }
    try {
      List<Map<String, Object>> entries = JSON.readValue(json, new TypeReference<>() {});
      List<SigningKey> keys = new ArrayList<>();
      for (Map<String, Object> e : entries) {
        Jwk<?> jwk = Jwks.parser().build().parse(JSON.writeValueAsString(e.get("jwk")));
        if (!(jwk instanceof PrivateJwk<?, ?, ?> priv)) {
          throw new IllegalArgumentException("signing key " + jwk.getId() + " has no private part");
        }
        keys.add(new SigningKey(jwk.getId(), (PrivateKey) priv.toKey(), (PublicKey) priv.toPublicJwk().toKey(),
            Instant.parse((String) e.get("createdAt")),
            e.get("retiredAt") == null ? null : Instant.parse((String) e.get("retiredAt"))));
      }
      if (keys.stream().noneMatch(SigningKey::active)) {
        throw new IllegalArgumentException("signing key Secret has no active key");
      }
      return new SigningKeySet(keys);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      // The message names the problem, never the key material.
      throw new IllegalArgumentException("signing key Secret is unreadable: " + e.getClass().getSimpleName());
    }
  }

  /** Kids and times only: never the key material. */
  @Override
  public String toString() {
    return "SigningKeySet" + keys;
  }

  private static Map<String, Object> readMap(String json) {
    try {
      return JSON.readValue(json, new TypeReference<>() {});
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
