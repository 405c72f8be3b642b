package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.membership.MembershipVerifier.Outcome;
import tech.openrtc.operator.membership.MembershipVerifier.Result;

class MembershipVerifierTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HOUR = Duration.ofHours(1);

  private final SigningKeySet keys = SigningKeySet.create(Instant.now());
  private final SigningKey key = keys.current();
  private final String jwks = keys.jwksJson();

  private String mint(SigningKey k, String version, Instant now, Duration ttl) {
    return CredentialIssuer.mint(k, "voice/support", "support", version, "rev-" + version, now, ttl);
  }

  private String mint(String version) {
    return mint(key, version, Instant.now(), HOUR);
  }

  private static Membership active(String version, String jwks) {
    return new Membership(version, "rev-" + version, List.of(new Membership.Member("v0", "rev-v0")), jwks);
  }

  private static JsonNode part(String token, int i) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[i]));
  }

  @Test
  void roundTrip() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String token = mint(key, "v1", now, HOUR);

    Result r = MembershipVerifier.verify(token, jwks, "v1");
    assertThat(r.outcome()).isEqualTo(Outcome.VALID);
    assertThat(r.ok()).isTrue();
    assertThat(r.subject()).isEqualTo("voice/support");
    assertThat(r.version()).isEqualTo("v1");
    assertThat(r.revision()).isEqualTo("rev-v1");
    assertThat(r.expiresAt()).isEqualTo(now.plus(HOUR));

    JsonNode header = part(token, 0);
    assertThat(header.path("kid").asText()).isEqualTo(key.kid());
    assertThat(header.path("alg").asText()).isIn("EdDSA", "ES256");
    JsonNode claims = part(token, 1);
    assertThat(claims.path("iss").asText()).isEqualTo("openrtc-operator");
    assertThat(claims.path("sub").asText()).isEqualTo("voice/support");
    assertThat(claims.path("aud").toString()).contains("support");
    assertThat(claims.path("ver").asText()).isEqualTo("v1");
    assertThat(claims.path("rev").asText()).isEqualTo("rev-v1");
    assertThat(claims.path("iat").asLong()).isEqualTo(now.getEpochSecond());
    assertThat(claims.path("exp").asLong()).isEqualTo(now.plus(HOUR).getEpochSecond());
    assertThat(claims.path("jti").asText()).isNotBlank();
    assertThat(part(mint("v1"), 1).path("jti").asText()).isNotEqualTo(claims.path("jti").asText());
  }

  @Test
  void surroundingWhitespaceOfAMountedFileIsIgnored() {
    assertThat(MembershipVerifier.verify(mint("v1") + "\n", jwks, "v1").ok()).isTrue();
  }

  @Test
  void tamperedPayloadIsABadSignature() {
    String token = mint("v1");
    String[] parts = token.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(payload).contains("\"ver\":\"v1\"");
    String forged = payload.replace("\"ver\":\"v1\"", "\"ver\":\"v2\"");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

    Result r = MembershipVerifier.verify(tampered, jwks, "v2");
    assertThat(r.outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
    assertThat(r.ok()).isFalse();
    assertThat(r.version()).isNull();
  }

  @Test
  void tamperedSignatureIsABadSignature() {
    String token = mint("v1");
    char last = token.charAt(token.length() - 5);
    String tampered = token.substring(0, token.length() - 5) + (last == 'A' ? 'B' : 'A') + token.substring(token.length() - 4);
    assertThat(MembershipVerifier.verify(tampered, jwks, "v1").outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
  }

  @Test
  void anotherKeyWithThePublishedKidIsABadSignature() {
    SigningKey other = SigningKey.generate(Instant.now());
    SigningKey impostor = new SigningKey(key.kid(), other.privateKey(), other.publicKey(), other.createdAt(), null);
    String forged = mint(impostor, "v1", Instant.now(), HOUR);
    assertThat(part0Kid(forged)).isEqualTo(key.kid());

    assertThat(MembershipVerifier.verify(forged, jwks, "v1").outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
  }

  @Test
  void anotherKeyWithItsOwnKidIsAnUnknownKid() {
    SigningKey other = SigningKey.generate(Instant.now());
    assertThat(other.kid()).isNotEqualTo(key.kid());
    Result r = MembershipVerifier.verify(mint(other, "v1", Instant.now(), HOUR), jwks, "v1");
    assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN_KID);
    assertThat(r.message()).contains(other.kid());
  }

  @Test
  void expired() {
    String token = mint(key, "v1", Instant.now().minus(Duration.ofHours(2)), HOUR);
    Result r = MembershipVerifier.verify(token, jwks, "v1");
    assertThat(r.outcome()).isEqualTo(Outcome.EXPIRED);
    assertThat(r.message()).contains("expired");
  }

  @Test
  void expiredAndForgedIsABadSignatureFirst() {
    SigningKey other = SigningKey.generate(Instant.now());
    SigningKey impostor = new SigningKey(key.kid(), other.privateKey(), other.publicKey(), other.createdAt(), null);
    String token = mint(impostor, "v1", Instant.now().minus(Duration.ofHours(2)), HOUR);
    assertThat(MembershipVerifier.verify(token, jwks, "v1").outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
  }

  @Test
  void wrongVersion() {
    Result r = MembershipVerifier.verify(mint("v1"), jwks, "v2");
    assertThat(r.outcome()).isEqualTo(Outcome.WRONG_VERSION);
    assertThat(r.version()).isEqualTo("v1");
    assertThat(r.message()).contains("v1").contains("v2");
  }

  @Test
  void noExpectedVersionAcceptsAnyVersion() {
    assertThat(MembershipVerifier.verify(mint("v1"), jwks, null).outcome()).isEqualTo(Outcome.VALID);
  }

  @Test
  void malformedInputs() {
    assertThat(MembershipVerifier.verify("", jwks, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
    assertThat(MembershipVerifier.verify(null, jwks, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
    assertThat(MembershipVerifier.verify("not.a.jwt", jwks, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
    assertThat(MembershipVerifier.verify(mint("v1"), "{not json", "v1").outcome()).isEqualTo(Outcome.MALFORMED);
    assertThat(MembershipVerifier.verify(mint("v1"), null, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
  }

  @Test
  void unsignedTokenIsRejected() {
    String header = b64("{\"alg\":\"none\",\"kid\":\"" + key.kid() + "\"}");
    String body = b64("{\"iss\":\"openrtc-operator\",\"ver\":\"v1\",\"exp\":" + (Instant.now().getEpochSecond() + 3600) + "}");
    Result r = MembershipVerifier.verify(header + "." + body + ".", jwks, "v1");
    assertThat(r.ok()).isFalse();
  }

  @Test
  void tokenOfAnotherIssuerIsRejected() {
    String token = io.jsonwebtoken.Jwts.builder().header().keyId(key.kid()).and()
        .issuer("someone-else").claim("ver", "v1")
        .expiration(java.util.Date.from(Instant.now().plus(HOUR)))
        .signWith(key.privateKey()).compact();
    assertThat(MembershipVerifier.verify(token, jwks, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
  }

  @Test
  void tokenWithoutVersionIsNeverAMember() {
    String token = io.jsonwebtoken.Jwts.builder().header().keyId(key.kid()).and()
        .issuer(CredentialIssuer.ISSUER).subject("voice/support")
        .expiration(java.util.Date.from(Instant.now().plus(HOUR)))
        .signWith(key.privateKey()).compact();
    // Not even against a membership that names no active version.
    Result r = MembershipVerifier.verifyMember(token, new Membership(null, null, List.of(), jwks), null);
    assertThat(r.ok()).isFalse();
    assertThat(MembershipVerifier.verify(token, jwks, null).ok()).isFalse();
  }

  @Test
  void tokenWithANonStringVersionIsMalformedNotAnException() {
    String token = io.jsonwebtoken.Jwts.builder().header().keyId(key.kid()).and()
        .issuer(CredentialIssuer.ISSUER).claim("ver", java.util.Map.of("x", 1))
        .expiration(java.util.Date.from(Instant.now().plus(HOUR)))
        .signWith(key.privateKey()).compact();
    assertThat(MembershipVerifier.verify(token, jwks, "v1").outcome()).isEqualTo(Outcome.MALFORMED);
  }

  @Test
  void activeMember() {
    Result r = MembershipVerifier.verifyMember(mint("v2"), active("v2", jwks), "v2");
    assertThat(r.outcome()).isEqualTo(Outcome.VALID);
    assertThat(r.revision()).isEqualTo("rev-v2");
  }

  @Test
  void verifyMemberWithANonActiveVersionIsNotActive() {
    Result r = MembershipVerifier.verifyMember(mint("v1"), active("v2", jwks), "v1");
    assertThat(r.outcome()).isEqualTo(Outcome.NOT_ACTIVE);
    assertThat(r.version()).isEqualTo("v1");
    assertThat(r.message()).contains("v1").contains("v2");
  }

  @Test
  void verifyMemberBeforeAnyPromotionIsNotActive() {
    Result r = MembershipVerifier.verifyMember(mint("v1"), new Membership(null, null, List.of(), jwks), "v1");
    assertThat(r.outcome()).isEqualTo(Outcome.NOT_ACTIVE);
  }

  @Test
  void verifyMemberWithoutMembershipIsNotAMember() {
    Result r = MembershipVerifier.verifyMember(mint("v1"), null, "v1");
    assertThat(r.ok()).isFalse();
  }

  @Test
  void verifyMemberChecksSignatureAndVersionFirst() {
    assertThat(MembershipVerifier.verifyMember(mint("v2"), active("v2", jwks), "v1").outcome())
        .isEqualTo(Outcome.WRONG_VERSION);
    String expired = mint(key, "v2", Instant.now().minus(Duration.ofHours(2)), HOUR);
    assertThat(MembershipVerifier.verifyMember(expired, active("v2", jwks), "v2").outcome())
        .isEqualTo(Outcome.EXPIRED);
    String otherJwks = SigningKeySet.create(Instant.now()).jwksJson();
    assertThat(MembershipVerifier.verifyMember(mint("v2"), active("v2", otherJwks), "v2").outcome())
        .isEqualTo(Outcome.UNKNOWN_KID);
  }

  private static String part0Kid(String token) {
    try {
      return part(token, 0).path("kid").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
