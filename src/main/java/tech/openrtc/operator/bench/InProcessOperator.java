package tech.openrtc.operator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.SimCluster;

/**
 * The operator in the bench's own JVM: quick to start (the test suite's mode), but its CPU is told
 * apart from the simulator's by thread names only, and heap is the whole process's.
 */
final class InProcessOperator implements BenchOperator {

  /** Threads that run the operator client's informer and watch callbacks. */
  static final String OPERATOR_CLIENT_TASKS = "operator-client-task";

  /** fabric8 names its HTTP threads after the factory's class: "OperatorClientHttp-<hash>-pool-N-thread-N". */
  static final class OperatorClientHttp extends JdkHttpClientFactory {}

  private final ExecutorService clientTasks;
  private final KubernetesClient client;
  private final AgentOperator operator;
  private final int poolsBefore;
  private final int poolsAfter;

  InProcessOperator(SimCluster sim) {
    clientTasks = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, OPERATOR_CLIENT_TASKS);
      t.setDaemon(true);
      return t;
    });
    // The operator's client as SimCluster makes them, with the User-Agent the RequestLog tells the
    // operator's requests by, and threads whose names tell its CPU time apart from the simulator's.
    client = new KubernetesClientBuilder()
        .withConfig(sim.config(RunCommand.USER_AGENT))
        .withHttpClientFactory(new OperatorClientHttp())
        .withTaskExecutor(clientTasks)
        .build();
    poolsBefore = BenchMetrics.lastPoolNumber();
    operator = AgentOperator.start(client, Set.of(), 0);
    poolsAfter = BenchMetrics.lastPoolNumber();
  }

  @Override
  public int httpPort() {
    return operator.httpPort();
  }

  @Override
  public OperatorCounters counters() {
    var liveKit = operator.prober().liveKit();
    return new OperatorCounters(BenchMetrics.reconciles(operator.meterRegistry()), operator.prober().requestsSent(),
        operator.prober().rounds(), liveKit.listRoomsSent(), liveKit.listParticipantsSent(),
        operator.webhooks().accepted(), operator.webhooks().reprobes(), System.nanoTime());
  }

  @Override
  public void windowStarts() {}

  @Override
  public void windowEnds() {}

  @Override
  public BenchResult.Cpu cpu(ProcessSampler sampler, ProcessSampler.Snapshot before, ProcessSampler.Snapshot after) {
    Set<Long> ours = BenchMetrics.operatorThreads(sampler.names(), poolsBefore, poolsAfter);
    var byThread = sampler.cpuMillisBetween(before, after, ours::contains);
    return new BenchResult.Cpu(byThread.values().stream().mapToLong(Long::longValue).sum(), byThread,
        sampler.cpuMillisBetween(before, after, id -> true),
        (after.processCpuNanos() - before.processCpuNanos()) / 1_000_000,
        sampler.peakHeapBytes(), sampler.peakHeapAfterGcBytes(), null);
  }

  @Override
  public void close() {
    try {
      operator.close();
      client.close();
    } finally {
      clientTasks.shutdownNow();
    }
  }
}
