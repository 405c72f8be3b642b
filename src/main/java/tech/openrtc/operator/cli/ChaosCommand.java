package tech.openrtc.operator.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.chaos.ChaosReport;
import tech.openrtc.operator.chaos.ChaosRun;

/**
 * Faults of every kind at once, on the embedded simulated cluster, with the operator's invariants
 * checked from outside; exit 1 on any violation.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Run the operator(s) through a seeded schedule of faults on the simulated cluster and check its invariants;"
        + " writes DIR/chaos.json and DIR/chaos.md, exits 1 on any violation.")
public class ChaosCommand implements Callable<Integer> {

  @Option(names = "--minutes", defaultValue = "2", description = "How long faults are injected (default ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault schedule (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--deployments", defaultValue = "4",
      description = "AgentDeployments, taking the in-flight sources in turn: http, http+livekit crossCheck, annotation,"
          + " http with the Signal trigger (default ${DEFAULT-VALUE}).")
  int deployments;

  @Option(names = "--out", defaultValue = "target/chaos", description = "Where to write the report and the operators' logs (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Two operator replicas sharing a Lease, so the leader can be killed (default ${DEFAULT-VALUE}).")
  boolean leaderElection;

  @Option(names = "--mean-gap-seconds", defaultValue = "4", description = "Mean time between random faults (default ${DEFAULT-VALUE}).")
  double meanGapSeconds;

  @Option(names = "--quiet-seconds", defaultValue = "30",
      description = "After convergence, how long to count the operator's writes (default ${DEFAULT-VALUE}).")
  long quietSeconds;

  @Option(names = "--fuzz-seconds", description = "How long to fuzz specs after the faults (default 30 + 10 per minute of faults).")
  Long fuzzSeconds;

  @Override
  public Integer call() throws Exception {
    if (minutes <= 0 || deployments < 1 || meanGapSeconds <= 0 || quietSeconds < 0) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--minutes, --deployments and --mean-gap-seconds must be positive, --quiet-seconds not negative");
    }
    Logs.quiet();
    long fuzz = fuzzSeconds != null ? fuzzSeconds : 30 + Math.round(10 * minutes);
    ChaosRun.Settings settings = new ChaosRun.Settings(Duration.ofMillis(Math.round(minutes * 60_000)), seed, deployments,
        out, leaderElection, Duration.ofMillis(Math.round(meanGapSeconds * 1000)), Duration.ofSeconds(quietSeconds),
        Duration.ofSeconds(fuzz));
    ChaosReport report = new ChaosRun(settings, System.out).run();
    report.write(out);
    System.out.println();
    System.out.println(report.markdown());
    System.out.println("report: " + out.resolve("chaos.json") + ", " + out.resolve("chaos.md"));
    return report.passed() ? 0 : 1;
  }
}
