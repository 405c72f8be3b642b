package tech.openrtc.operator.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/**
 * What the simulated cluster alone costs at scale, no operator involved: N worker pods created
 * through the API as a controller would (deployments of 3, scheduled and run by the sim), calls
 * placed over them, and every pod's {@code GET /worker} read once per {@link #READ_PERIOD} from a
 * small client pool, as the operator's steady-state active read does. Over a steady window it
 * measures the process's CPU, heap, threads and open file descriptors.
 */
public final class SimCost {

  static final String NAMESPACE = "simcost";
  static final int PODS_PER_DEPLOYMENT = 3;
  /** The operator reads each pod's /worker about this often when nothing happens. */
  static final Duration READ_PERIOD = Duration.ofSeconds(30);
  static final double CALLS_PER_SECOND = 20;
  /** Names of the reading client's own threads (the JDK client's selector is "HttpClient-N-SelectorManager"). */
  static final String READER_THREADS = "simcost-reader-";

  /**
   * @param readyPods pods Ready (by the API) when the window began
   * @param timeToReady from the first create to every pod Ready
   * @param cpuMillis process CPU over the steady window
   * @param readerCpuMillis of which the threads of the client reading /worker (the JDK client's
   *     selectors included, the sim's own clients' too: they are idle then)
   * @param cpuMillisPerPodMinute the whole process's CPU per pod and per minute of window
   * @param heapAfterGcBytes heap in use after a forced GC at the end
   * @param peakHeapAfterGcBytes the most heap in use right after any GC during the run
   * @param threads live threads at the end of the window
   * @param openFds entries of /proc/self/fd at the end of the window (-1 where there is none)
   * @param callsPlaced calls placed on workers during the window
   * @param workerReads successful {@code GET /worker} during the window
   * @param readFailures failed ones
   */
  public record Result(int pods, int readyPods, Duration timeToReady, Duration window, long cpuMillis, long readerCpuMillis,
      double cpuMillisPerPodMinute, long heapAfterGcBytes, long peakHeapAfterGcBytes, int threads, long openFds,
      long callsPlaced, long workerReads, long readFailures) {}

  private SimCost() {}

  public static Result run(int pods, Duration window, PrintStream out) throws Exception {
    try (ProcessSampler sampler = new ProcessSampler();
        SimCluster sim = SimCluster.start(SimOptions.defaults())) {
      KubernetesClient client = sim.newClient("openrtc-simcost");
      int deployments = (pods + PODS_PER_DEPLOYMENT - 1) / PODS_PER_DEPLOYMENT;
      long t0 = System.nanoTime();
      createPods(client, pods);
      out.printf("created %d pods in %d deployments; waiting for Ready%n", pods, deployments);
      int ready = awaitReady(client, pods, Duration.ofMinutes(10));
      Duration timeToReady = Duration.ofNanos(System.nanoTime() - t0);
      out.printf("%d/%d pods Ready after %.1f s%n", ready, pods, timeToReady.toMillis() / 1000.0);

      List<CallGenerator> generators = new ArrayList<>();
      for (int d = 0; d < deployments; d++) {
        generators.add(sim.calls(NAMESPACE, deployment(d), CallProfile.uniform(
            CALLS_PER_SECOND / deployments, Duration.ofSeconds(2), Duration.ofSeconds(6)).withSeed(d)));
      }
      List<String> ips = client.pods().inNamespace(NAMESPACE).list().getItems().stream()
          .map(p -> p.getStatus() == null ? null : p.getStatus().getPodIP())
          .filter(ip -> ip != null && !ip.isEmpty())
          .toList();
      try (WorkerReader reader = new WorkerReader(ips, sim.options().workerPort())) {
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long placedBefore = placed(generators);
        long readsBefore = reader.ok.get();
        long failuresBefore = reader.failed.get();
        ProcessSampler.Snapshot threadsBefore = sampler.snapshot();
        long cpuBefore = os.getProcessCpuTime();
        long windowStart = System.nanoTime();
        Thread.sleep(window.toMillis());
        long cpuNanos = os.getProcessCpuTime() - cpuBefore;
        Map<String, Long> byThread = sampler.cpuMillisBetween(threadsBefore, sampler.snapshot(), id -> true);
        long readerCpu = byThread.entrySet().stream()
            .filter(e -> e.getKey().startsWith(READER_THREADS) || e.getKey().startsWith("HttpClient-N-SelectorManager"))
            .mapToLong(Map.Entry::getValue).sum();
        Duration measured = Duration.ofNanos(System.nanoTime() - windowStart);
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long fds = openFileDescriptors();
        long placed = placed(generators) - placedBefore;
        long reads = reader.ok.get() - readsBefore;
        long failures = reader.failed.get() - failuresBefore;
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long cpuMillis = cpuNanos / 1_000_000;
        double minutes = measured.toMillis() / 60_000.0;
        Result r = new Result(pods, ready, timeToReady, measured, cpuMillis, readerCpu,
            pods == 0 || minutes == 0 ? 0 : cpuMillis / (double) pods / minutes,
            heap, Math.max(heap, sampler.peakHeapAfterGcBytes()), threads, fds, placed, reads, failures);
        print(r, out);
        out.println("CPU in the window by thread (ms): " + byThread.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(10)
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", ")));
        reader.failures.forEach((why, n) -> out.println("failed reads: " + n + " x " + why));
        out.printf("calls rejected (no accepting worker): %d%n", rejected(generators));
        return r;
      }
    }
  }

  static String deployment(int d) {
    return "sc-" + d;
  }

  /** Pods as the operator's PodFactory labels them (deployment, version, revision, role active). */
  private static void createPods(KubernetesClient client, int pods) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 0; i < pods; i++) {
        Pod pod = pod(deployment(i / PODS_PER_DEPLOYMENT), i % PODS_PER_DEPLOYMENT);
        created.add(pool.submit(() -> client.pods().inNamespace(NAMESPACE).resource(pod).create()));
      }
      for (Future<?> f : created) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static Pod pod(String deployment, int index) {
    return new PodBuilder()
        .withNewMetadata()
          .withName(deployment + "-" + index)
          .withNamespace(NAMESPACE)
          .addToLabels(Names.LABEL_DEPLOYMENT, deployment)
          .addToLabels(Names.LABEL_VERSION, "1")
          .addToLabels(Names.LABEL_REVISION, "r1")
          .addToLabels(Names.LABEL_ROLE, Names.ROLE_ACTIVE)
        .endMetadata()
        .withNewSpec()
          .withTerminationGracePeriodSeconds(30L)
          .addNewContainer()
            .withName("agent")
            .withImage("example/agent:1")
            .addNewEnv().withName(Names.ENV_DEPLOYMENT_VERSION).withValue("1").endEnv()
            .addNewEnv().withName(Names.ENV_REVISION).withValue("r1").endEnv()
            .addNewEnv().withName(Names.ENV_AGENT_NAME).withValue(deployment).endEnv()
          .endContainer()
        .endSpec()
        .build();
  }

  /** Polls the API once a second until every pod is Ready; returns how many are. */
  private static int awaitReady(KubernetesClient client, int pods, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int ready = 0;
    while (System.nanoTime() < deadline) {
      ready = (int) client.pods().inNamespace(NAMESPACE).list().getItems().stream().filter(SimCost::isReady).count();
      if (ready >= pods) {
        break;
      }
      Thread.sleep(1000);
    }
    return ready;
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static long placed(List<CallGenerator> generators) {
    return generators.stream().mapToLong(CallGenerator::placed).sum();
  }

  private static long rejected(List<CallGenerator> generators) {
    return generators.stream().mapToLong(CallGenerator::rejected).sum();
  }

  private static long openFileDescriptors() {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return -1;
    }
    try (Stream<Path> entries = Files.list(fds)) {
      return entries.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads every pod's /worker once per {@link #READ_PERIOD}, spread evenly (every 10 ms, the reads
   * due by then), asynchronously, at most 64 at once, over a JDK client on two threads.
   */
  private static final class WorkerReader implements AutoCloseable {
    private static final Duration TICK = Duration.ofMillis(10);
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final Map<String, Long> failures = new ConcurrentHashMap<>();
    private final List<URI> uris;
    private final ExecutorService clientPool = Executors.newFixedThreadPool(2, named(READER_THREADS + "client"));
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(named(READER_THREADS + "tick"));
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .executor(clientPool)
        .build();
    private final Semaphore inFlight = new Semaphore(64);
    private final double perTick;
    private double due;
    private int next;

    WorkerReader(List<String> ips, int port) {
      this.uris = ips.stream().map(ip -> URI.create("http://" + ip + ":" + port + "/worker")).toList();
      perTick = uris.size() * (double) TICK.toMillis() / READ_PERIOD.toMillis();
      ticks.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends the reads due by now: every pod once per period, evenly spread. */
    private void tick() {
      due += perTick;
      for (; due >= 1 && !uris.isEmpty(); due--) {
        URI uri = uris.get(next);
        next = (next + 1) % uris.size();
        if (!inFlight.tryAcquire()) {
          failed.incrementAndGet(); // the reads fall behind: count it, do not pile up
          failures.merge("skipped: 64 reads already in flight", 1L, Long::sum);
          continue;
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
          inFlight.release();
          if (error == null && response.statusCode() == 200) {
            ok.incrementAndGet();
          } else {
            failed.incrementAndGet();
            String why = error != null ? rootCause(error).toString() : "HTTP " + response.statusCode();
            failures.merge(why.length() > 120 ? why.substring(0, 120) : why, 1L, Long::sum);
          }
        });
      }
    }

    private static Throwable rootCause(Throwable t) {
      while (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      }
      return t;
    }

    @Override
    public void close() {
      ticks.shutdownNow();
      clientPool.shutdownNow();
    }
  }

  static void print(Result r, PrintStream out) {
    out.println();
    out.println("| simulator alone | value |");
    out.println("|---|---|");
    row(out, "pods (Ready)", r.pods() + " (" + r.readyPods() + ")");
    row(out, "time to all Ready", String.format(Locale.ROOT, "%.1f s", r.timeToReady().toMillis() / 1000.0));
    row(out, "steady window", String.format(Locale.ROOT, "%.1f s", r.window().toMillis() / 1000.0));
    row(out, "process CPU in window", r.cpuMillis() + " ms");
    row(out, "of which the /worker reading client", r.readerCpuMillis() + " ms");
    row(out, "CPU per pod per minute", String.format(Locale.ROOT, "%.2f ms", r.cpuMillisPerPodMinute()));
    row(out, "heap after forced GC", mib(r.heapAfterGcBytes()));
    row(out, "peak heap after a GC", mib(r.peakHeapAfterGcBytes()));
    row(out, "live threads", String.valueOf(r.threads()));
    row(out, "open file descriptors", String.valueOf(r.openFds()));
    row(out, "calls placed in window", String.valueOf(r.callsPlaced()));
    row(out, "GET /worker in window (failed)", r.workerReads() + " (" + r.readFailures() + ")");
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void row(PrintStream out, String name, String value) {
    out.println("| " + name + " | " + value + " |");
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
