package tech.openrtc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.CredentialIssuer;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.SigningKey;
import tech.openrtc.operator.membership.SigningKeySet;

class VerifyCredentialCommandTest {

  @TempDir Path dir;

  private final SigningKeySet keys = SigningKeySet.create(Instant.now());
  private final Map<String, String> env = new HashMap<>();
  private UnaryOperator<String> savedEnvironment;
  private Path membershipDir;
  private String out;
  private String err;

  @BeforeEach
  void setUp() throws Exception {
    savedEnvironment = VerifyCredentialCommand.environment;
    VerifyCredentialCommand.environment = env::get;
    membershipDir = Files.createDirectory(dir.resolve("membership"));
    writeMembership("v2");
  }

  @AfterEach
  void restore() {
    VerifyCredentialCommand.environment = savedEnvironment;
  }

  private void writeMembership(String active) throws Exception {
    Membership m = new Membership(active, "rev-" + active, List.of(new Membership.Member("v1", "rev-v1")), keys.jwksJson());
    for (Map.Entry<String, String> e : m.toConfigMapData().entrySet()) {
      Files.writeString(membershipDir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
    }
  }

  private Path token(SigningKey key, String version, Instant issuedAt) throws Exception {
    String jwt = CredentialIssuer.mint(key, "voice/support", "support", version, "rev-" + version, issuedAt,
        Duration.ofHours(1));
    Path file = dir.resolve("token-" + version + "-" + System.nanoTime());
    Files.writeString(file, jwt + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private Path token(String version) throws Exception {
    return token(keys.current(), version, Instant.now());
  }

  private int run(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    String[] full = new String[args.length + 1];
    full[0] = "verify-credential";
    System.arraycopy(args, 0, full, 1, args.length);
    int code = Main.execute(new PrintWriter(o, true), new PrintWriter(e, true), full);
    out = o.toString();
    err = e.toString();
    return code;
  }

  @Test
  void activeMemberExitsZero() throws Exception {
    Path t = token("v2");
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isZero();
    assertThat(out).startsWith("member: version v2 revision rev-v2 (subject voice/support, expires ")
        .endsWith(")" + System.lineSeparator());
    assertThat(err).isEmpty();
  }

  @Test
  void defaultsComeFromTheEnvironment() throws Exception {
    env.put(Names.ENV_CREDENTIAL_FILE, token("v2").toString());
    env.put(Names.ENV_DEPLOYMENT_VERSION, "v2");
    assertThat(run("--membership-dir", membershipDir.toString())).isZero();
    assertThat(out).contains("member: version v2");

    // An explicit --version wins over the environment.
    assertThat(run("--membership-dir", membershipDir.toString(), "--version", "v9")).isEqualTo(1);
    assertThat(err).startsWith("not a member: WRONG_VERSION: ");
  }

  @Test
  void notActiveExitsOne() throws Exception {
    Path t = token("v1");
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v1"))
        .isEqualTo(1);
    assertThat(err).startsWith("not a member: NOT_ACTIVE: ").contains("v1").contains("v2");
    assertThat(out).isEmpty();
  }

  @Test
  void demotionIsSeenOnTheNextRun() throws Exception {
    Path t = token("v2");
    String[] args = {"--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"};
    assertThat(run(args)).isZero();
    writeMembership("v3");
    assertThat(run(args)).isEqualTo(1);
    assertThat(err).startsWith("not a member: NOT_ACTIVE: ");
  }

  @Test
  void expiredExitsOne() throws Exception {
    Path t = token(keys.current(), "v2", Instant.now().minus(Duration.ofHours(3)));
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(1);
    assertThat(err).startsWith("not a member: EXPIRED: ");
  }

  @Test
  void badSignatureExitsOne() throws Exception {
    SigningKey other = SigningKey.generate(Instant.now());
    SigningKey impostor = new SigningKey(keys.current().kid(), other.privateKey(), other.publicKey(), other.createdAt(), null);
    Path t = token(impostor, "v2", Instant.now());
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(1);
    assertThat(err).startsWith("not a member: BAD_SIGNATURE: ");
  }

  @Test
  void unknownKidExitsOne() throws Exception {
    Path t = token(SigningKey.generate(Instant.now()), "v2", Instant.now());
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(1);
    assertThat(err).startsWith("not a member: UNKNOWN_KID: ");
  }

  @Test
  void garbageTokenExitsOne() throws Exception {
    Path t = Files.writeString(dir.resolve("garbage"), "hello");
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(1);
    assertThat(err).startsWith("not a member: MALFORMED: ");
  }

  @Test
  void missingTokenFileExitsTwo() {
    Path missing = dir.resolve("nope");
    assertThat(run("--token-file", missing.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(2);
    assertThat(err).startsWith("error: cannot read the credential " + missing);
    assertThat(out).isEmpty();
  }

  @Test
  void missingMembershipExitsTwo() throws Exception {
    Path t = token("v2");
    assertThat(run("--token-file", t.toString(), "--membership-dir", dir.resolve("nope").toString(), "--version", "v2"))
        .isEqualTo(2);
    assertThat(err).startsWith("error: cannot read the membership");

    Files.delete(membershipDir.resolve(Membership.JWKS));
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2"))
        .isEqualTo(2);
    assertThat(err).contains("jwks.json");
  }

  @Test
  void noVersionExitsTwo() throws Exception {
    Path t = token("v2");
    assertThat(run("--token-file", t.toString(), "--membership-dir", membershipDir.toString())).isEqualTo(2);
    assertThat(err).contains("--version").contains(Names.ENV_DEPLOYMENT_VERSION);
  }

  @Test
  void usageErrorExitsTwo() {
    assertThat(run("--no-such-option")).isEqualTo(2);
    assertThat(run("--help")).isZero();
    assertThat(out).contains("--token-file").contains("--membership-dir").contains("--version");
  }

  private Path podinfo(String role) throws Exception {
    Path podinfo = Files.createDirectories(dir.resolve("podinfo-" + role));
    Files.writeString(podinfo.resolve("labels"), "agents.openrtc.tech/deployment=\"support\"\n"
        + "agents.openrtc.tech/role=\"" + role + "\"\n", StandardCharsets.UTF_8);
    return podinfo;
  }

  @Test
  void withARoleLabelOnlyAnActivePodMayTakeCalls() throws Exception {
    Path token = token("v2");
    assertThat(run("--token-file", token.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2",
        "--podinfo-dir", podinfo("preview").toString())).isEqualTo(1);
    assertThat(err).contains("NOT_ACTIVE").contains("role is preview");
    assertThat(run("--token-file", token.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2",
        "--podinfo-dir", podinfo("active").toString())).isZero();
    assertThat(run("--token-file", token.toString(), "--membership-dir", membershipDir.toString(), "--version", "v2",
        "--podinfo-dir", podinfo("draining").toString())).isEqualTo(1);
  }

  @Test
  void aPromotedWorkerNeedsNoFreshMembershipButAStartingOneDoes() throws Exception {
    Path token = token("v3"); // v3 was just promoted; the mounted membership still says v2
    Path active = podinfo("active");
    assertThat(run("--token-file", token.toString(), "--membership-dir", membershipDir.toString(), "--version", "v3",
        "--podinfo-dir", active.toString())).as("at start: the membership must agree").isEqualTo(1);
    assertThat(err).contains("NOT_ACTIVE");
    assertThat(run("--token-file", token.toString(), "--membership-dir", membershipDir.toString(), "--version", "v3",
        "--podinfo-dir", active.toString(), "--promoted")).isZero();
    // The credential must still verify.
    Path foreign = token(SigningKeySet.create(Instant.now()).current(), "v3", Instant.now());
    assertThat(run("--token-file", foreign.toString(), "--membership-dir", membershipDir.toString(), "--version", "v3",
        "--podinfo-dir", active.toString(), "--promoted")).isEqualTo(1);
    assertThat(err).contains("UNKNOWN_KID");
  }
}
