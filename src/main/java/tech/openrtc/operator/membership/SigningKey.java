package tech.openrtc.operator.membership;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PublicJwk;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;

/**
 * One of the operator's signing keys. {@code retiredAt} is set when a newer key is added: the key
 * signs until that one may ({@link SigningKeySet#PUBLISH_DELAY} later), and its public half stays
 * published until every token it signed has expired.
 */
public record SigningKey(String kid, PrivateKey privateKey, PublicKey publicKey, Instant createdAt, Instant retiredAt) {

  /** A fresh Ed25519 key, or ES256 on a JRE without Ed25519. */
  public static SigningKey generate(Instant now) {
    KeyPair pair;
    try {
      pair = Jwks.CRV.Ed25519.keyPair().build();
    } catch (RuntimeException e) {
      pair = Jwts.SIG.ES256.keyPair().build();
    }
    // The kid is the key's RFC 7638 thumbprint: unique, and derived from the key alone.
    String kid = Jwks.builder().key(pair.getPublic()).idFromThumbprint().build().getId();
    return new SigningKey(kid, pair.getPrivate(), pair.getPublic(), now, null);
  }

  public SigningKey retired(Instant at) {
    return new SigningKey(kid, privateKey, publicKey, createdAt, at);
  }

  public boolean active() {
    return retiredAt == null;
  }

  public PublicJwk<?> publicJwk() {
    return (PublicJwk<?>) Jwks.builder().key(publicKey).id(kid).publicKeyUse("sig").build();
  }

  /** Never print the private key: it shows up in no log, event, status or ConfigMap. */
  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + ", createdAt=" + createdAt + ", retiredAt=" + retiredAt + "]";
  }
}
