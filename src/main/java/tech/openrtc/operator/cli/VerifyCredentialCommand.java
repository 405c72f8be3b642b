package tech.openrtc.operator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.MembershipVerifier;
import tech.openrtc.operator.membership.MembershipVerifier.Result;

/**
 * {@code verify-credential}: may this worker take new calls? For a worker's entrypoint or an init
 * step: exit 0 only for an active member, 1 for any other verdict, 2 when it cannot tell (a file
 * is missing or unreadable, no version to check against).
 */
@Command(name = "verify-credential", sortOptions = false,
    description = "Verify a worker's signed version credential against the published membership: "
        + "may this worker take new calls?",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:an active member: may take new calls",
        "1:not a member (bad signature, unknown kid, expired, wrong version, not active, malformed)",
        "2:a file is missing or unreadable, or a usage error"})
public class VerifyCredentialCommand implements Callable<Integer> {

  static final int MEMBER = 0;
  static final int NOT_A_MEMBER = 1;
  static final int CANNOT_TELL = 2;

  /** The environment defaults are read from (tests replace it). */
  static UnaryOperator<String> environment = System::getenv;

  @Option(names = "--token-file", paramLabel = "F",
      description = "The credential (a JWT). Default: $" + Names.ENV_CREDENTIAL_FILE + ", else " + Names.CREDENTIAL_FILE + ".")
  Path tokenFile;

  @Option(names = "--membership-dir", paramLabel = "D",
      description = "The mounted membership ConfigMap (active-version, draining, jwks.json). Default: "
          + Names.MEMBERSHIP_DIR + ".")
  Path membershipDir;

  @Option(names = "--version", paramLabel = "V",
      description = "This worker's deployment version. Default: $" + Names.ENV_DEPLOYMENT_VERSION + "; one of the two is required.")
  String version;

  @Option(names = "--podinfo-dir", paramLabel = "D",
      description = "The pod's downward-API files (labels): with a role label, take calls only while it is "
          + Names.ROLE_ACTIVE + " (e.g. " + Names.PODINFO_DIR + "). Without this option the membership decides alone.")
  Path podinfoDir;

  @Option(names = "--promoted",
      description = "With --podinfo-dir: this worker saw its role change from " + Names.ROLE_PREVIEW + " to "
          + Names.ROLE_ACTIVE + " while running, so its version need not be active-version yet (the membership "
          + "volume follows a minute later). Without it, active-version is checked too (the check at start).")
  boolean promoted;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String expected = firstNonBlank(version, environment.apply(Names.ENV_DEPLOYMENT_VERSION));
    if (expected == null) {
      return cannotTell("no version to check: pass --version or set " + Names.ENV_DEPLOYMENT_VERSION);
    }
    Path token = tokenFile != null ? tokenFile : Path.of(
        firstNonBlank(environment.apply(Names.ENV_CREDENTIAL_FILE), Names.CREDENTIAL_FILE));
    Path dir = membershipDir != null ? membershipDir : Path.of(Names.MEMBERSHIP_DIR);

    String jwt;
    try {
      jwt = Files.readString(token, StandardCharsets.UTF_8).trim();
    } catch (IOException | UncheckedIOException e) {
      return cannotTell("cannot read the credential " + token + ": " + describe(e));
    }
    if (!Files.isDirectory(dir)) {
      return cannotTell("cannot read the membership: " + dir + " is not a directory");
    }
    Membership membership;
    try {
      membership = Membership.fromDirectory(dir);
    } catch (UncheckedIOException e) {
      return cannotTell(e.getMessage() + ": " + describe(e.getCause()));
    } catch (IllegalArgumentException e) {
      return cannotTell("cannot read the membership: " + e.getMessage());
    }

    String role = null;
    if (podinfoDir != null) {
      try {
        role = PodInfo.labels(podinfoDir.resolve("labels")).get(Names.LABEL_ROLE);
      } catch (IOException | UncheckedIOException e) {
        return cannotTell("cannot read the pod's labels in " + podinfoDir + ": " + describe(e));
      }
    }
    Result r;
    if (role != null && !Names.ROLE_ACTIVE.equals(role)) {
      r = new Result(MembershipVerifier.Outcome.NOT_ACTIVE, "the pod's role is " + role + ", not "
          + Names.ROLE_ACTIVE + ": take no new calls", null, null, null, null);
    } else if (role != null && promoted) {
      r = MembershipVerifier.verify(jwt, membership.jwksJson(), expected);
    } else {
      r = MembershipVerifier.verifyMember(jwt, membership, expected);
    }
    if (r.ok()) {
      PrintWriter out = spec.commandLine().getOut();
      out.printf("member: version %s revision %s (subject %s, expires %s)%n",
          r.version(), r.revision(), r.subject(), r.expiresAt());
      out.flush();
      return MEMBER;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("not a member: " + r.outcome() + ": " + r.message());
    err.flush();
    return NOT_A_MEMBER;
  }

  private int cannotTell(String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("error: " + message);
    err.flush();
    return CANNOT_TELL;
  }

  private static String describe(Throwable e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return describe(u.getCause());
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) {
      return a.trim();
    }
    return b == null || b.isBlank() ? null : b.trim();
  }
}
