package tech.openrtc.operator.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs a list of benchmark runs one after the other and writes their report. */
public final class Bench {

  private Bench() {}

  /** Runs them, writes DIR/bench.json and DIR/bench.md; true when every rollout completed with no call cut. */
  public static boolean run(List<BenchConfig> configs, Path dir, PrintStream progress) throws IOException, InterruptedException {
    List<BenchResult> results = new ArrayList<>();
    for (BenchConfig c : configs) {
      progress.printf("run %s: %d deployments x %d replicas, %s source, poll %d s%n", c.label(), c.deployments(),
          c.replicas(), c.source(), c.pollSeconds());
      BenchResult r = new BenchRun(c, progress).run();
      results.add(r);
      BenchReport.write(results, dir);
    }
    progress.println();
    progress.print(BenchReport.summary(results));
    progress.println();
    progress.print(BenchReport.growth(results));
    results.forEach(r -> r.notes().forEach(n -> progress.println("  " + r.label() + ": " + n)));
    return results.stream().allMatch(r -> r.completed() && r.callsCut() == 0);
  }
}
