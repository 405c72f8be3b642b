package tech.openrtc.operator.membership;

import io.jsonwebtoken.Jwts;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/** Mints a revision's signed version credential: a JWT the worker holds and anyone can verify. */
public final class CredentialIssuer {

  public static final String ISSUER = "openrtc-operator";
  public static final String CLAIM_VERSION = "ver";
  public static final String CLAIM_REVISION = "rev";

  private CredentialIssuer() {}

  /**
   * @param subject {@code <namespace>/<name>}
   * @param audience the agent name, or the AgentDeployment's name without one
   */
  public static String mint(SigningKey key, String subject, String audience, String version, String revision,
      Instant now, Duration ttl) {
    return Jwts.builder()
        .header().keyId(key.kid()).and()
        .issuer(ISSUER)
        .subject(subject)
        .audience().add(audience).and()
        .claim(CLAIM_VERSION, version)
        .claim(CLAIM_REVISION, revision)
        .issuedAt(Date.from(now))
        .expiration(Date.from(now.plus(ttl)))
        .id(UUID.randomUUID().toString())
        .signWith(key.privateKey())
        .compact();
  }
}
