package tech.openrtc.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** bench.json (every figure) and bench.md (the same for a reader, with how each was measured). */
final class BenchReport {

  private BenchReport() {}

  static void write(List<BenchResult> results, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("machine", machine());
    json.put("runs", results);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("bench.json").toFile(), json);
    Files.writeString(dir.resolve("bench.md"), markdown(results));
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("processors", Runtime.getRuntime().availableProcessors());
    m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put("jvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    return m;
  }

  static String markdown(List<BenchResult> results) {
    StringBuilder md = new StringBuilder("# openrtc-operator benchmark\n\n");
    md.append("Machine: ").append(machine().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "))).append(".\n\n");
    md.append(summary(results));
    md.append("\nCost as N grows:\n\n").append(growth(results));
    md.append('\n').append(HOW);
    results.forEach(r -> run(md, r));
    return md.toString();
  }

  /** One row per run; times in seconds. */
  static String summary(List<BenchResult> results) {
    StringBuilder md = new StringBuilder();
    md.append("| run | N x R | source | poll s | rollout s | writes / replaced pod (pod writes, min 4) |"
        + " writes above min | idle writes | drain reaction p50 / p95 / p99 / max s (n) | idle at drain: n, wait"
        + " min / p50 s | overhead p50 / p99 s | operator's reaction p50 / p99 s | reconciles | probes (rounds) |"
        + " per pod per min: reconciles / probes | API req/s (operator %) | operator: live heap / peak after GC /"
        + " peak RSS MiB, threads | CPU ms operator / sim process | sim process heap MiB peak (after GC) |"
        + " calls started / completed / cut |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchResult r : results) {
      BenchResult.Stats d = r.drainReaction();
      md.append(String.format(Locale.ROOT, "| %s | %d x %d | %s | %d | %.1f%s | %.2f (%.2f) | %d | %s |"
              + " %s / %s / %s / %s (%d) | %d, %s / %s | %s / %s | %s / %s | %d | %d (%d) | %.2f / %.2f |"
              + " %.0f (%.0f%%) | %s | %d / %d | %.0f (%.0f) | %d / %d / %d |%n",
          r.label(), r.deployments(), r.replicas(), r.source(), r.pollSeconds(), r.rolloutSeconds(),
          r.completed() ? "" : " (timed out)", r.writesPerReplacedPod(), r.podWritesPerReplacedPod(),
          r.writes().stream().mapToLong(w -> Math.max(0, w.aboveMinimum())).sum(),
          r.idleWrites() == null ? "not measured" : r.idleWrites() + " in " + r.idleSeconds() + " s",
          s(d.p50()), s(d.p95()), s(d.p99()), s(d.max()), d.count(),
          r.idleAtDrainWait().count(), s(r.idleAtDrainWait().min()), s(r.idleAtDrainWait().p50()),
          s(r.rollout().overhead().p50()), s(r.rollout().overhead().p99()),
          s(r.rollout().operatorReaction().p50()), s(r.rollout().operatorReaction().p99()),
          r.operator().reconciles(), r.operator().probeRequests(), r.operator().probeRounds(),
          r.reconcilesPerPodMinute(), r.probesPerPodMinute(),
          r.api().meanPerSecond(), 100.0 * r.api().operatorRequests() / Math.max(1, r.api().requests()),
          ownProcess(r.operatorProcess()), r.operatorCpuMillis(), r.processCpuMillis(),
          r.peakHeapMiB(), r.peakHeapAfterGcMiB(),
          r.callsStarted(), r.callsCompleted(), r.callsCut()));
    }
    return md.toString();
  }

  /**
   * How the operator's cost grows with N: per pod (N x R) and per minute of the rollout window, its
   * CPU, its API requests, reconciles and probes, and its memory.
   */
  static String growth(List<BenchResult> results) {
    StringBuilder md = new StringBuilder("| run | pods | rollout window s | operator CPU ms per pod per min |"
        + " operator API requests per pod per min | reconciles per pod per min | probes per pod per min |"
        + " operator live heap / peak RSS MiB |\n|---|---|---|---|---|---|---|---|\n");
    for (BenchResult r : results) {
      int pods = r.deployments() * r.replicas();
      BenchResult.OwnProcess own = r.operatorProcess();
      md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f | %.2f | %.2f | %s |%n", r.label(), pods,
          r.operator().nanos() / 1e9, r.operator().perPodMinute(r.operatorCpuMillis(), pods),
          r.operator().perPodMinute(r.api().operatorRequests(), pods), r.reconcilesPerPodMinute(),
          r.probesPerPodMinute(),
          own == null ? "in process" : String.format(Locale.ROOT, "%s / %.0f",
              own.liveHeapMiB() == null ? "-" : String.format(Locale.ROOT, "%.0f", own.liveHeapMiB()),
              own.peakRssMiB())));
    }
    return md.toString();
  }

  private static void run(StringBuilder md, BenchResult r) {
    md.append(String.format(Locale.ROOT, "%n## Run %s: %d x %d, %s source, poll %d s%n%n", r.label(), r.deployments(),
        r.replicas(), r.source(), r.pollSeconds()));
    md.append(String.format(Locale.ROOT, "%.1f calls/s over all deployments, %s s each; pods start in %.1f s; "
            + "%d old pods replaced; rollout %.1f s (first version patch to last Healthy)%s.%n%n",
        r.callsPerSecond(), r.callSeconds(), r.startupSeconds(), r.podsReplaced(), r.rolloutSeconds(),
        r.completed() ? "" : ", NOT COMPLETED within the timeout"));
    md.append("Operator writes during the rollout:\n\n| write | count | minimum | above minimum | the minimum is |\n"
        + "|---|---|---|---|---|\n");
    for (WriteBudget.Row w : r.writes()) {
      md.append(String.format("| %s | %d | %d | %d | %s |%n", w.kind(), w.count(), w.minimum(), w.aboveMinimum(),
          w.minimumIs()));
    }
    md.append("\nStatus writes by cause (each status change the bench's watch saw, by the most significant thing it"
        + " changed): ").append(r.statusWritesByCause()).append(".\n\n");
    BenchResult.Api api = r.api();
    md.append("All operator requests during the rollout: ").append(r.requests()).append(String.format(Locale.ROOT,
        ".%n%nThe API server received %d requests from all clients (kubelet, workers, bench, operator), %d of them"
            + " (%.0f%%) the operator's: %.1f per second on average, %d in the busiest second; serving them took"
            + " %.1f s (summed over requests).%n%n", api.requests(), api.operatorRequests(),
        100.0 * api.operatorRequests() / Math.max(1, api.requests()), api.meanPerSecond(), api.peakPerSecond(),
        api.servingSeconds()));
    if (r.idleWrites() != null) {
      md.append("Idle writes (").append(r.idleSeconds()).append(" s after the rollout): ").append(r.idleWrites())
          .append(r.idleWrites() > 0 ? " " + r.idleWritesByKind() : "").append(".\n\n");
    }
    md.append("Drain reaction (last call end to DELETE): ").append(stats(r.drainReaction()))
        .append(" s, poll ").append(r.pollSeconds()).append(" s; of those whose last call ended after the settle time: ")
        .append(stats(r.drainReactionAfterSettle())).append(" s").append(r.annotationReaction().count() == 0 ? ""
            : "; from the worker's last in-flight annotation write to DELETE: " + stats(r.annotationReaction()) + " s")
        .append(". Idle at drain start: ")
        .append(r.idleAtDrainWait().count()).append(" pods, drain mark to DELETE ").append(stats(r.idleAtDrainWait()))
        .append(" s").append(r.podsDeletedWithoutDrainMark() > 0
            ? "; " + r.podsDeletedWithoutDrainMark() + " pods deleted without a drain mark" : "")
        .append("; pods that held a call when their DELETE arrived: ").append(r.podsDeletedWithLiveCalls())
        .append(".\n\n");
    BenchResult.Phases p = r.rollout();
    md.append("Rollout per deployment: ").append(stats(p.duration())).append(" s; overhead (minus start-up and drained"
        + " call): ").append(stats(p.overhead())).append(" s; the operator's own reactions (first status write,"
        + " promotion, Healthy write): ").append(stats(p.operatorReaction())).append(" s.\n\n");
    md.append("| stretch of one deployment's rollout | p50 / p95 / p99 / max s (n, min) |\n|---|---|\n");
    p.stretches().forEach((name, st) -> md.append("| ").append(name).append(" | ").append(stats(st)).append(" |\n"));
    if (p.outOfOrder() > 0) {
      md.append("\n").append(p.outOfOrder()).append(" deployment(s) left out of the stretches: their points came out of"
          + " order (a request or watch event delivered very late).\n");
    }
    OperatorCounters o = r.operator();
    md.append(String.format(Locale.ROOT, "%nReconciles %d, probe requests %d in %d rounds, LiveKit requests %d, webhooks"
            + " accepted %d (re-probes asked %d); per pod (N x R) per minute of the rollout: %.2f reconciles,"
            + " %.2f probe requests.%n%n",
        o.reconciles(), o.probeRequests(), o.probeRounds(), o.liveKitRequests(), o.webhooksAccepted(),
        o.webhookReprobes(), r.reconcilesPerPodMinute(), r.probesPerPodMinute()));
    BenchResult.OwnProcess own = r.operatorProcess();
    if (own == null) {
      md.append(String.format(Locale.ROOT, "The operator ran in the bench's process. CPU during the rollout: operator"
              + " %d ms %s; whole process %d ms. Peak heap %.0f MiB sampled, %.0f MiB right after a collection"
              + " (whole process, simulator included).%n",
          r.operatorCpuMillis(), r.operatorCpuMillisByThread(), r.processCpuMillis(), r.peakHeapMiB(),
          r.peakHeapAfterGcMiB()));
    } else {
      md.append(String.format(Locale.ROOT, "The operator ran in its own JVM (%s), ready %.1f s after launch. During the"
              + " rollout it used %d ms of CPU (%d ms over its life). Live heap after a full collection at the end of"
              + " the rollout: %s MiB; the most heap left after any collection: %.0f MiB; peak RSS %.0f MiB; peak"
              + " %d threads.%n%nThe simulator's process (API server, kubelet, workers, calls, bench) used %d ms of"
              + " CPU during the rollout %s; its heap peaked at %.0f MiB sampled, %.0f MiB right after a"
              + " collection.%n",
          own.jvmFlags(), own.startSeconds(), r.operatorCpuMillis(), own.lifeCpuMillis(),
          own.liveHeapMiB() == null ? "-" : String.format(Locale.ROOT, "%.0f", own.liveHeapMiB()),
          own.peakHeapAfterGcMiB(), own.peakRssMiB(), own.peakThreads(), r.processCpuMillis(),
          top(r.processCpuMillisByThread(), 6), r.peakHeapMiB(), r.peakHeapAfterGcMiB()));
    }
    md.append(String.format("%nCalls over the run: %d started, %d completed, %d cut, %d found no worker.%n",
        r.callsStarted(), r.callsCompleted(), r.callsCut(), r.callsRejected()));
    if (!r.notes().isEmpty()) {
      md.append("\nNotes:\n\n");
      r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
    }
  }

  private static final String HOW = """
      How each figure is measured. The bench's process holds the fabric8 mock API server, the simulated
      kubelet and workers, the call generators and the bench's own client. The operator runs as a user
      runs it, in a JVM of its own (`run --kubeconfig K` against the simulated cluster, the JVM capped as
      in the manifest's 768Mi container: -XX:MaxRAM=768m -XX:MaxRAMPercentage=75), or with --in-process
      in the bench's process (AgentOperator.start with its own client). Either way its requests carry
      the User-Agent openrtc-operator/... Each run starts a fresh simulated cluster and operator, makes N
      AgentDeployments Healthy at v1, places calls, waits one longest call, then patches spec.version of
      all N to v2, one after the other, and waits until all are Healthy at v2.

      - Requests and writes: requests the mock API server received with the operator's User-Agent, from
        the first version patch until 2 s after the last deployment was seen Healthy at v2 (so Events and
        clean-ups of that last pass count for the rollout). The minimum per write kind is in each run's
        table; writes / replaced pod is all operator writes over the old pods deleted, in brackets only
        the pod writes (create, promote patch, drain patch, delete), whose minimum is 4.
      - Idle writes: operator writes in the window after that, with calls still arriving (goal 0).
      - Drain reaction: for each deleted old pod whose last call ended after its drain mark (the
        operator's drain patch, as the API server received it), from that call's end (the call ledger) to
        the pod's DELETE (as the API server received it). Pods idle at drain start wait the settle time
        (min(pollSeconds, 2 s)) by design; their drain mark to DELETE is shown apart. A pod whose last
        call ended within the settle time waits for it too: the reaction is also shown for the others.
      - Rollout: per deployment, from its version patch to the bench's informer (a watch, not polling)
        seeing it Healthy at v2 with observedGeneration current. Overhead is that minus the simulated
        start-up delay minus the drained call (from the deployment's first drain mark to the end of the
        last call on its old pods; 0 if they were idle). The stretches split each rollout at points the
        API server's request log and the call ledger show; the operator's own reactions are the sum of
        three of them (first status write, promotion, Healthy write), the rest is the simulated kubelet,
        the calls, the hand-over the operator waits by design (3 s from promotion to the first drain
        mark, so the new workers see their role before the old ones stop) and its drain reaction.
      - API req/s: requests of all clients per second during the rollout, and the operator's share; the
        mock API server's throughput bounds how fast anything in the simulated cluster moves.
      - Reconciles: JOSDK's operator.sdk.reconciliations.started counter; probes: the in-flight prober's
        HTTP requests and rounds; LiveKit requests and webhooks: the operator's own counters (requests
        actually sent). LiveKit requests per poll: those sent in the window above (version patch to 2 s
        after the last Healthy) over the poll periods it lasted; per probe round: over the prober's
        rounds (reconciles with pods to read, webhook re-probes included).
      - Reconciles and probes per pod per minute: those counters over N x R pods and the minutes of the
        rollout window (the old and new pods both exist during most of it).
      - Operator in its own JVM: CPU is the process's user and system time (ProcessHandle) during the
        rollout and over its life; peak RSS is VmHWM and threads are sampled each second from
        /proc/PID/status; heap after each collection comes from its -Xlog:gc log, and the live heap is
        what a full collection (jcmd PID GC.run) leaves at the end of the rollout. Its counters come from
        its /metrics. The simulator's process is measured as below, for its own cost.
      - Heap of the bench's process: MemoryMXBean heap used sampled every 100 ms over the whole run, and
        heap used right after each garbage collection (closer to the live set); with --in-process the
        operator's is in it.
      - Operator CPU with --in-process: ThreadMXBean CPU time during the rollout (sampled each second, so a thread that ends
        counts up to its last sample) of threads named ReconcilerExecutor-* or in thread pools made while
        AgentOperator.start ran (pool-K-thread-M: JOSDK's reconciler pool), inflight-probe, livekit-count,
        operator-http, signing-keys, operator-client-task-* and OperatorClientHttp-* (the operator client's
        informer callbacks and HTTP executor, named by the bench). Not counted: the JDK HTTP clients'
        selector threads (HttpClient-N-SelectorManager), which cannot be told apart from the simulator's.
        Process CPU is everything (simulator, GC, JIT), for context.
      """;

  /** The operator process's column: live heap / peak after GC / peak RSS MiB, threads; "in process" otherwise. */
  private static String ownProcess(BenchResult.OwnProcess own) {
    if (own == null) {
      return "in process";
    }
    return String.format(Locale.ROOT, "%s / %.0f / %.0f, %d",
        own.liveHeapMiB() == null ? "-" : String.format(Locale.ROOT, "%.0f", own.liveHeapMiB()),
        own.peakHeapAfterGcMiB(), own.peakRssMiB(), own.peakThreads());
  }

  /** The {@code n} largest entries, largest first. */
  private static Map<String, Long> top(Map<String, Long> byName, int n) {
    Map<String, Long> top = new LinkedHashMap<>();
    byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
        .forEach(e -> top.put(e.getKey(), e.getValue()));
    return top;
  }

  private static String stats(BenchResult.Stats s) {
    if (s.count() == 0) {
      return "none";
    }
    return String.format(Locale.ROOT, "%s / %s / %s / %s (n=%d, min %s)", s(s.p50()), s(s.p95()), s(s.p99()),
        s(s.max()), s.count(), s(s.min()));
  }

  private static String s(Double seconds) {
    return seconds == null ? "-" : String.format(Locale.ROOT, "%.2f", seconds);
  }
}
