package tech.openrtc.operator.bench;

/**
 * The operator a bench run measures: in its own JVM ({@link OperatorProcess}, as a user runs it)
 * or in the bench's JVM ({@link InProcessOperator}, quicker to start).
 */
interface BenchOperator extends AutoCloseable {

  /** The port of its /metrics, /readyz and /livekit/webhook. */
  int httpPort();

  /** Its counters now. */
  OperatorCounters counters();

  /** The rollout window starts: remember what the CPU figures are counted from. */
  void windowStarts();

  /** The rollout window ends. */
  void windowEnds();

  /** What it cost over the window (and, for a process of its own, over its life). */
  BenchResult.Cpu cpu(ProcessSampler sampler, ProcessSampler.Snapshot before, ProcessSampler.Snapshot after);

  @Override
  void close();
}
