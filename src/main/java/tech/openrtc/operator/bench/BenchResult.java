package tech.openrtc.operator.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.CallLedger;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.RecordedCall;

/**
 * The figures of one run, as written to bench.json and bench.md. Durations are in seconds, CPU in
 * milliseconds, heap in MiB. Requests and writes are the operator's, from the first version bump
 * until {@link BenchRun#TAIL} after the last Healthy.
 */
record BenchResult(
    String label,
    int deployments,
    int replicas,
    double callsPerSecond,
    String callSeconds,
    int pollSeconds,
    String source,
    double startupSeconds,
    boolean completed,
    double rolloutSeconds,
    Map<String, Long> requests,
    Api api,
    List<WriteBudget.Row> writes,
    long podsReplaced,
    double writesPerReplacedPod,
    double podWritesPerReplacedPod,
    Map<String, Long> statusWritesByCause,
    Integer idleSeconds,
    Long idleWrites,
    Map<String, Long> idleWritesByKind,
    Stats drainReaction,
    Stats drainReactionAfterSettle,
    Stats annotationReaction,
    Stats idleAtDrainWait,
    long podsDeletedWithoutDrainMark,
    long podsDeletedWithLiveCalls,
    Phases rollout,
    OperatorCounters operator,
    double reconcilesPerPodMinute,
    double probesPerPodMinute,
    OwnProcess operatorProcess,
    double peakHeapMiB,
    double peakHeapAfterGcMiB,
    long operatorCpuMillis,
    Map<String, Long> operatorCpuMillisByThread,
    long processCpuMillis,
    Map<String, Long> processCpuMillisByThread,
    long callsStarted,
    long callsCompleted,
    long callsCut,
    long callsRejected,
    List<String> notes) {

  /** A distribution in seconds; nulls when there was no sample. */
  record Stats(int count, Double min, Double p50, Double p95, Double p99, Double max) {
    static Stats of(List<Duration> samples) {
      if (samples.isEmpty()) {
        return new Stats(0, null, null, null, null, null);
      }
      List<Double> s = samples.stream().map(d -> d.toMillis() / 1000.0).sorted().toList();
      return new Stats(s.size(), s.get(0), rank(s, 50), rank(s, 95), rank(s, 99), s.get(s.size() - 1));
    }

    /** Nearest-rank percentile. */
    private static double rank(List<Double> sorted, double p) {
      int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
      return sorted.get(Math.max(0, i));
    }
  }

  /**
   * Per deployment: its rollout (version patch to Healthy seen), the overhead left of it once the
   * start-up delay and the drained call are taken away, the operator's own stretches summed, and
   * the stretches the rollout is made of (see RolloutAnalysis).
   */
  record Phases(Stats duration, Stats overhead, Stats operatorReaction, Map<String, Stats> stretches,
      long outOfOrder) {}

  /**
   * The API server during the rollout, all clients: requests, the operator's share, requests per
   * second (mean and busiest second), and the time spent serving them summed over requests.
   */
  record Api(long requests, long operatorRequests, double meanPerSecond, long peakPerSecond, double servingSeconds) {}

  /**
   * CPU time during the rollout: the operator's (by thread name pattern when it runs in the bench's
   * process), and the bench process's (by thread); that process's peak heap; and, when the operator
   * ran in a process of its own, what that process cost.
   */
  record Cpu(long operatorMillis, Map<String, Long> operatorByThread, Map<String, Long> allByThread, long processMillis,
      long peakHeapBytes, long peakHeapAfterGcBytes, OwnProcess operatorProcess) {}

  /**
   * The operator's own JVM (OperatorProcess): its flags, seconds from launch to ready, CPU over its
   * whole life, peak RSS (VmHWM), the most heap left after any collection, the heap left by a full
   * collection at the end of the rollout (its live set; null without jcmd), and its peak thread count.
   */
  record OwnProcess(String jvmFlags, double startSeconds, long lifeCpuMillis, double peakRssMiB,
      double peakHeapAfterGcMiB, Double liveHeapMiB, int peakThreads) {}

  /** What a run observed, before it is reduced to figures. */
  record Inputs(
      boolean completed,
      Map<String, Instant> bumpedAt,
      Map<String, Instant> healthyAt,
      List<RecordedCall> rolloutRequests,
      long apiServingNanos,
      List<PodDeletion> deletions,
      CallLedger ledger,
      List<RecordedCall> idleWrites,
      Map<String, Long> statusWritesByCause,
      OperatorCounters counters,
      ProcessSampler.Snapshot cpuBefore,
      ProcessSampler.Snapshot cpuAfter) {}

  static BenchResult of(BenchConfig c, Inputs in, Cpu cpu) {
    List<RecordedCall> ours = in.rolloutRequests().stream()
        .filter(r -> r.userAgentStartsWith(RunCommand.USER_AGENT)).toList();
    Map<String, Long> writes = countByKind(ours.stream().filter(RecordedCall::isWrite).toList());
    RolloutAnalysis a = RolloutAnalysis.of(in.rolloutRequests(), in.deletions(), in.ledger(), in.bumpedAt(),
        in.healthyAt(), c.startupDelay(), settle(c.pollSeconds()));
    Map<String, Stats> stretches = new LinkedHashMap<>();
    a.stretches.forEach((name, samples) -> stretches.put(name, Stats.of(samples)));
    long total = writes.values().stream().mapToLong(Long::longValue).sum();
    long podWrites = writes.getOrDefault("create pods", 0L) + writes.getOrDefault("patch pods", 0L)
        + writes.getOrDefault("delete pods", 0L);
    Instant firstBump = in.bumpedAt().values().stream().min(Instant::compareTo).orElseThrow();
    Instant lastHealthy = in.healthyAt().values().stream().max(Instant::compareTo).orElse(firstBump);

    BenchResult r = new BenchResult(c.label(), c.deployments(), c.replicas(), c.calls().callsPerSecond(),
        seconds(c.calls().min()) + "-" + seconds(c.calls().max()), c.pollSeconds(), c.source().name(),
        c.startupDelay().toMillis() / 1000.0, in.completed(), Duration.between(firstBump, lastHealthy).toMillis() / 1000.0,
        countByKind(ours), api(in, ours.size()), WriteBudget.rows(writes, c.deployments(), c.replicas()), a.replaced,
        ratio(total, a.replaced), ratio(podWrites, a.replaced), in.statusWritesByCause(),
        in.idleWrites() == null ? null : c.idleSeconds(), in.idleWrites() == null ? null : (long) in.idleWrites().size(),
        in.idleWrites() == null ? null : countByKind(in.idleWrites()),
        Stats.of(a.reaction), Stats.of(a.reactionAfterSettle), Stats.of(a.annotationReaction), Stats.of(a.idleWait), a.withoutMark, a.withLiveCalls,
        new Phases(Stats.of(a.rollout), Stats.of(a.overhead), Stats.of(a.operatorReaction), stretches, a.outOfOrder),
        in.counters(),
        round2(in.counters().perPodMinute(in.counters().reconciles(), c.deployments() * c.replicas())),
        round2(in.counters().perPodMinute(in.counters().probeRequests(), c.deployments() * c.replicas())),
        cpu.operatorProcess(),
        cpu.peakHeapBytes() / (1024.0 * 1024.0), cpu.peakHeapAfterGcBytes() / (1024.0 * 1024.0),
        cpu.operatorMillis(), cpu.operatorByThread(),
        cpu.processMillis(), cpu.allByThread(),
        in.ledger().started(), in.ledger().completed(), in.ledger().cut(), in.ledger().rejected(),
        List.of());
    return r.withNotes(Notes.of(r));
  }

  BenchResult withNotes(List<String> n) {
    return new BenchResult(label, deployments, replicas, callsPerSecond, callSeconds, pollSeconds, source,
        startupSeconds, completed, rolloutSeconds, requests, api, writes, podsReplaced, writesPerReplacedPod,
        podWritesPerReplacedPod, statusWritesByCause, idleSeconds, idleWrites, idleWritesByKind,
        drainReaction, drainReactionAfterSettle, annotationReaction, idleAtDrainWait, podsDeletedWithoutDrainMark, podsDeletedWithLiveCalls, rollout, operator,
        reconcilesPerPodMinute, probesPerPodMinute, operatorProcess, peakHeapMiB, peakHeapAfterGcMiB, operatorCpuMillis, operatorCpuMillisByThread,
        processCpuMillis, processCpuMillisByThread, callsStarted, callsCompleted, callsCut, callsRejected, n);
  }

  private static Api api(Inputs in, long operatorRequests) {
    Map<Long, Long> perSecond = new TreeMap<>();
    in.rolloutRequests().forEach(r -> perSecond.merge(r.at().getEpochSecond(), 1L, Long::sum));
    long seconds = perSecond.isEmpty() ? 1 : perSecond.size();
    long peak = perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
    return new Api(in.rolloutRequests().size(), operatorRequests,
        Math.round(10.0 * in.rolloutRequests().size() / seconds) / 10.0, peak, in.apiServingNanos() / 1e9);
  }

  /** How long the operator lets a drained worker see its mark before a 0 counts: min(pollSeconds, 2 s). */
  static Duration settle(int pollSeconds) {
    return Duration.ofSeconds(Math.min(pollSeconds, 2));
  }

  private static Map<String, Long> countByKind(List<RecordedCall> calls) {
    Map<String, Long> counts = new TreeMap<>();
    calls.forEach(call -> counts.merge(call.verbAndResource(), 1L, Long::sum));
    return counts;
  }

  private static double round2(double v) {
    return Math.round(100.0 * v) / 100.0;
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : Math.round(100.0 * a / b) / 100.0;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? String.valueOf(d.toSeconds()) : String.valueOf(d.toMillis() / 1000.0);
  }
}
