package tech.openrtc.operator.membership;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.SignatureException;
import java.security.Key;
import java.time.Instant;
import java.util.Objects;

/**
 * Checks a worker's version credential, for anyone: the worker itself before it registers, a
 * sidecar, or {@code verify-credential}. A worker whose credential does not verify, or whose
 * version is not the active one, must not take new calls.
 */
public final class MembershipVerifier {

  public enum Outcome {
    VALID,
    MALFORMED,
    BAD_SIGNATURE,
    UNKNOWN_KID,
    EXPIRED,
    WRONG_VERSION,
    NOT_ACTIVE
  }

  /** Why a credential was accepted or not, with the claims that were read (null when unread). */
  public record Result(Outcome outcome, String message, String subject, String version, String revision, Instant expiresAt) {
    public boolean ok() {
      return outcome == Outcome.VALID;
    }

    static Result fail(Outcome outcome, String message) {
      return new Result(outcome, message, null, null, null, null);
    }
  }

  private static final class UnknownKid extends JwtException {
    UnknownKid(String kid) {
      super("no published key has kid " + kid);
    }
  }

  private MembershipVerifier() {}

  /** Signature (by a published key), issuer, expiry, and {@code ver == expectedVersion}. */
  public static Result verify(String token, String jwksJson, String expectedVersion) {
    JwkSet jwks;
    try {
      jwks = Jwks.setParser().build().parse(jwksJson);
    } catch (RuntimeException e) {
      return Result.fail(Outcome.MALFORMED, "the published key set (jwks.json) is unreadable");
    }
    Claims claims;
    try {
      claims = Jwts.parser()
          .keyLocator(new LocatorAdapter<Key>() {
            @Override
            protected Key locate(ProtectedHeader header) {
              String kid = header.getKeyId();
              for (Jwk<?> jwk : jwks.getKeys()) {
                if (Objects.equals(jwk.getId(), kid)) {
                  return jwk.toKey();
                }
              }
              throw new UnknownKid(kid);
            }

            @Override
            protected Key doLocate(Header header) {
              throw new UnknownKid(null);
            }
          })
          .requireIssuer(CredentialIssuer.ISSUER)
          .build()
          .parseSignedClaims(token == null ? "" : token.trim())
          .getPayload();
    } catch (UnknownKid e) {
      return Result.fail(Outcome.UNKNOWN_KID, e.getMessage());
    } catch (ExpiredJwtException e) {
      return Result.fail(Outcome.EXPIRED, "the credential expired at " + e.getClaims().getExpiration().toInstant());
    } catch (SignatureException e) {
      return Result.fail(Outcome.BAD_SIGNATURE, "the signature does not verify");
    } catch (JwtException | IllegalArgumentException e) {
      return Result.fail(Outcome.MALFORMED, "not a credential of this operator: " + e.getMessage());
    }
    // Signed by a published key, but the claims still need the right shape: a credential without
    // a string `ver` names no version and is never a member (not even of a membership that names
    // no active version), and a wrongly typed claim is an answer, not an exception.
    Object version0 = claims.get(CredentialIssuer.CLAIM_VERSION);
    Object revision0 = claims.get(CredentialIssuer.CLAIM_REVISION);
    if (!(version0 instanceof String version) || version.isBlank()) {
      return Result.fail(Outcome.MALFORMED, "the credential has no " + CredentialIssuer.CLAIM_VERSION + " claim");
    }
    if (revision0 != null && !(revision0 instanceof String)) {
      return Result.fail(Outcome.MALFORMED, "the credential's " + CredentialIssuer.CLAIM_REVISION + " claim is not a string");
    }
    String revision = (String) revision0;
    Instant exp = claims.getExpiration() == null ? null : claims.getExpiration().toInstant();
    if (expectedVersion != null && !expectedVersion.equals(version)) {
      return new Result(Outcome.WRONG_VERSION, "the credential is for version " + version + ", not " + expectedVersion,
          claims.getSubject(), version, revision, exp);
    }
    return new Result(Outcome.VALID, "valid credential for version " + version, claims.getSubject(), version, revision, exp);
  }

  /**
   * {@link #verify} against the membership's keys, and the version must be the active one. A null
   * membership (none published or readable) is {@link Outcome#NOT_ACTIVE}.
   */
  public static Result verifyMember(String token, Membership membership, String expectedVersion) {
    if (membership == null) {
      return Result.fail(Outcome.NOT_ACTIVE, "no membership is published: take no new calls");
    }
    Result r = verify(token, membership.jwksJson(), expectedVersion);
    if (!r.ok()) {
      return r;
    }
    if (membership.activeVersion() == null || !Objects.equals(r.version(), membership.activeVersion())) {
      return new Result(Outcome.NOT_ACTIVE, "version " + r.version() + " is not active (active: "
          + membership.activeVersion() + "): take no new calls", r.subject(), r.version(), r.revision(), r.expiresAt());
    }
    return r;
  }
}
