package tech.openrtc.operator.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.bench.Bench;
import tech.openrtc.operator.bench.EvacuationBench;
import tech.openrtc.operator.bench.SimCost;
import tech.openrtc.operator.bench.BenchConfig;
import tech.openrtc.operator.bench.BenchConfig.Source;

/**
 * {@code bench}: the simulated cluster and the operator in one process, N AgentDeployments
 * under calls all bumped at once; writes DIR/bench.json and DIR/bench.md. See BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure a rollout of many AgentDeployments at once on the embedded simulated cluster.",
        "Without --deployments: N=1, 10, 100 (http source, idle writes measured once, after N=100), then N=10 with",
        "the annotation source and N=10 with the livekit source and webhooks (both with --event-poll-seconds).",
        "Exit 1 if a rollout did not finish or any call was cut."})
public class BenchCommand implements Callable<Integer> {

  @Option(names = "--deployments", description = "Run once with N AgentDeployments (default: the sizes above).")
  Integer deployments;

  @Option(names = "--replicas", defaultValue = "3", description = "Replicas per AgentDeployment (default ${DEFAULT-VALUE}).")
  int replicas;

  @Option(names = "--calls-per-second", defaultValue = "20",
      description = "Call arrivals over all deployments together (default ${DEFAULT-VALUE}).")
  double callsPerSecond;

  @Option(names = "--call-seconds", defaultValue = "2-6", description = "Call duration range MIN-MAX (default ${DEFAULT-VALUE}).")
  String callSeconds;

  @Option(names = "--poll-seconds", description = "spec.drain.pollSeconds (default 1, with --large 5).")
  Integer pollSecondsOption;

  /** The http runs' pollSeconds: as given, else 5 for the large run (as a production deployment of that size would poll), else 1. */
  private int pollSeconds() {
    return pollSecondsOption != null ? pollSecondsOption : large ? 5 : 1;
  }

  @Option(names = "--event-poll-seconds", defaultValue = "10",
      description = "pollSeconds of the annotation and livekit runs, long so events must do the work (default ${DEFAULT-VALUE}).")
  int eventPollSeconds;

  @Option(names = "--source", defaultValue = "http", description = "In-flight source with --deployments: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Source source;

  @Option(names = "--idle-seconds", defaultValue = "60",
      description = "Watch for operator writes this long after the (largest) rollout; 0: skip (default ${DEFAULT-VALUE}).")
  int idleSeconds;

  @Option(names = "--startup-ms", defaultValue = "1000", description = "Simulated pod start-up time (default ${DEFAULT-VALUE} ms).")
  long startupMillis;

  @Option(names = "--timeout-seconds",
      description = "Give up on a rollout after this long (default 600, with --large 3600: on 2 cores it takes long).")
  Long timeoutSeconds;

  @Option(names = "--large", description = "N=1000 (3,000 pods), pollSeconds 5.")
  boolean large;

  @Option(names = "--in-process",
      description = "Run the operator in the bench's JVM, not in its own (quicker to start; CPU told apart by thread"
          + " names, heap not the operator's alone).")
  boolean inProcess;

  @Option(names = "--profile-operator",
      description = "Record the operator's JVM with Java Flight Recorder (profile settings): operator.jfr next to its log.")
  boolean profileOperator;

  @Option(names = "--out", defaultValue = "target/bench", description = "Report directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--verbose", description = "Show the operator's log.")
  boolean verbose;

  @Option(names = "--evacuation",
      description = "Instead: the evacuation run. N deployments (--deployments, default 10) on --nodes nodes under calls,"
          + " the busiest node drained as kubectl drain does; time to empty it and writes per evacuated pod.")
  boolean evacuation;

  @Option(names = "--nodes", defaultValue = "4", description = "Nodes of the evacuation run (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--sim-only",
      description = "Instead: the simulator alone, no operator: --pods worker pods under calls, each read once per 30 s;"
          + " CPU, heap, threads and file descriptors over --idle-seconds.")
  boolean simOnly;

  @Option(names = "--pods", defaultValue = "3000", description = "Pods of the --sim-only run (default ${DEFAULT-VALUE}).")
  int pods;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      Logs.quiet();
    }
    if (simOnly) {
      SimCost.Result r = SimCost.run(pods, Duration.ofSeconds(idleSeconds), System.out);
      return r.readyPods() == r.pods() ? 0 : 1;
    }
    if (evacuation) {
      String[] range = callSeconds.split("-");
      EvacuationBench.Result r = EvacuationBench.run(deployments == null ? 10 : deployments, replicas, nodes,
          callsPerSecond, Duration.ofMillis((long) (Double.parseDouble(range[0]) * 1000)),
          Duration.ofMillis((long) (Double.parseDouble(range[range.length - 1]) * 1000)),
          Duration.ofMillis(startupMillis), Duration.ofSeconds(timeoutSeconds != null ? timeoutSeconds : 600), System.out);
      EvacuationBench.report(r, out, System.out);
      return r.ok() ? 0 : 1;
    }
    boolean ok = Bench.run(configs(), out, System.out);
    System.out.println("report: " + out.resolve("bench.md") + " and " + out.resolve("bench.json"));
    return ok ? 0 : 1;
  }

  List<BenchConfig> configs() {
    int pollSeconds = pollSeconds();
    List<BenchConfig> runs = new ArrayList<>();
    if (large || deployments != null) {
      int n = large ? 1000 : deployments;
      int poll = source != Source.http ? eventPollSeconds : pollSeconds;
      runs.add(config("N=" + n, n, source, poll, idleSeconds));
      return runs;
    }
    // The idle window is long: measured once, after the largest run, so the default sizes stay quick.
    runs.add(config("N=1", 1, Source.http, pollSeconds, 0));
    runs.add(config("N=10", 10, Source.http, pollSeconds, 0));
    runs.add(config("N=100", 100, Source.http, pollSeconds, idleSeconds));
    runs.add(config("N=10 annotation", 10, Source.annotation, eventPollSeconds, 0));
    runs.add(config("N=10 livekit+webhooks", 10, Source.livekit, eventPollSeconds, 0));
    return runs;
  }

  private BenchConfig config(String label, int n, Source src, int poll, int idle) {
    long timeout = timeoutSeconds != null ? timeoutSeconds : large ? 3600 : 600;
    return new BenchConfig(label, n, replicas, DemoCommand.profile(callsPerSecond, callSeconds), poll, src,
        Duration.ofMillis(startupMillis), idle, Duration.ofSeconds(timeout),
        inProcess ? BenchConfig.Operator.IN_PROCESS
            : profileOperator ? BenchConfig.Operator.OWN_PROCESS_PROFILED : BenchConfig.Operator.OWN_PROCESS);
  }
}
