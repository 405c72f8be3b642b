package tech.openrtc.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar openrtc-operator.jar <command>}. */
@Command(
    name = "openrtc-operator",
    mixinStandardHelpOptions = true,
    version = "openrtc-operator 0.1.0",
    description = "Blue-green, drain-only rollouts of LiveKit / OpenRTC voice-agent workers.",
    subcommands = {RunCommand.class, SimCommand.class, DemoCommand.class, BenchCommand.class, ChaosCommand.class, AgentsCommand.class, VerifyCredentialCommand.class})
public class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** For tests: the same commands with their output captured. */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    return new CommandLine(new Main()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
