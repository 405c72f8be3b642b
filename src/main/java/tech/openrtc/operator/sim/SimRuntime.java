package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the sim's parts share: a few daemon thread pools and one Vert.x instance whose event loop
 * serves every worker's HTTP (never a thread per call or per pod, so thousands of pods fit in one
 * process), the ledger, the request log and the options.
 */
final class SimRuntime implements AutoCloseable {

  final SimOptions options;
  final CallLedger ledger;
  final RequestLog requests;
  /** Timers only (call ends, readiness, grace periods, arrivals); tasks must not block. */
  final ScheduledExecutorService scheduler;
  /** Blocking work: API writes by the kubelet and the workers. */
  final ExecutorService io;
  /**
   * Every worker's HTTP server: each binds its own socket, all share this instance's event loops
   * (two threads, whatever the number of pods). Handlers must not block.
   */
  final Vertx vertx;
  /** Set when the sim starts shutting down: failures after this are expected, not news. */
  volatile boolean closing;
  /** Client the workers write their in-flight annotation with; set once the API server is up. */
  volatile KubernetesClient workerClient;

  SimRuntime(SimOptions options, CallLedger ledger, RequestLog requests) {
    this.options = options;
    this.ledger = ledger;
    this.requests = requests;
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2, daemon("openrtc-sim-timer"));
    // Cancelled call-end timers (calls cut by a crash) must not pile up until their due time.
    timers.setRemoveOnCancelPolicy(true);
    this.scheduler = timers;
    this.io = Executors.newFixedThreadPool(4, daemon("openrtc-sim-io"));
    this.vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        // The workers run nothing blocking on Vert.x: keep its other pools as small as they go.
        .setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1));
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
  static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    closing = true;
    scheduler.shutdownNow();
    vertx.close();
    io.shutdown(); // let a write under way finish rather than interrupt it
    try {
      if (!io.awaitTermination(1, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
