package tech.openrtc.operator.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tech.openrtc.operator.cli.Main;

/**
 * The operator in a JVM of its own, started as a user runs it ({@code run --kubeconfig K}) against
 * the simulated cluster, with the JVM capped as in the manifest's 768Mi container. Its heap, RSS,
 * CPU and threads are then the operator's alone: read from /proc/PID (Linux), its garbage
 * collector's log, and its /metrics.
 */
public final class OperatorProcess implements BenchOperator {

  /**
   * As the image runs it in the manifest's container (memory limit 768Mi): the heap follows the
   * limit. MaxRAM stands in for the cgroup limit for the heap's size, but not for the choice of
   * collector, which follows the machine's memory: in a container below 1792 MiB the JVM picks the
   * Serial collector, so it is named here.
   */
  public static final List<String> JVM_FLAGS = List.of("-XX:MaxRAM=768m", "-XX:MaxRAMPercentage=75", "-XX:+UseSerialGC",
      "-XX:+ExitOnOutOfMemoryError");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** "GC(12) Pause Young (Allocation Failure) 150M->40M(256M) 5.123ms" in -Xlog:gc output. */
  private static final Pattern GC_LINE =
      Pattern.compile("GC\\(\\d+\\) (Pause [^\\d]*?) (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  private final Process process;
  private final int httpPort;
  private final Path gcLog;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread sampler;
  /** Stops the operator if the bench's JVM is stopped first (Ctrl-C, kill): no operator is left behind. */
  private final Thread stopOnExit;
  private double startSeconds;
  private volatile int peakThreads;
  private long windowStartCpuMillis;
  private long windowEndCpuMillis;
  private Double liveHeapMiB;

  private OperatorProcess(Process process, int httpPort, Path gcLog) {
    this.process = process;
    this.httpPort = httpPort;
    this.gcLog = gcLog;
    sampler = new Thread(this::sampleThreads, "bench-operator-sampler");
    sampler.setDaemon(true);
    sampler.start();
    stopOnExit = new Thread(process::destroy, "bench-operator-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /**
   * Starts {@code java JVM_FLAGS -cp <this classpath> Main run --kubeconfig K --http-port P}, its
   * output in DIR/operator.log (and, to profile it, a flight recording written to DIR/operator.jfr
   * when it stops), and waits until its /readyz answers 200.
   */
  static OperatorProcess start(Path kubeconfig, Path dir, int httpPort, boolean profile)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path gcLog = dir.resolve("operator-gc.log");
    Files.deleteIfExists(gcLog);
    List<String> jvmOptions = new ArrayList<>(List.of("-Xlog:gc:file=" + gcLog));
    if (profile) {
      jvmOptions.add("-XX:StartFlightRecording=settings=profile,filename=" + dir.resolve("operator.jfr"));
    }
    List<String> command = runCommand(jvmOptions, kubeconfig, httpPort);
    Instant started = Instant.now();
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("operator.log").toFile()).start();
    OperatorProcess p = new OperatorProcess(process, httpPort, gcLog);
    try {
      p.awaitReady();
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.close();
      throw e;
    }
    p.startSeconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
    return p;
  }

  /**
   * {@code java JVM_FLAGS <jvmOptions> -cp <this classpath> Main run --kubeconfig K --http-port P
   * <runOptions>}: the operator as a user starts it, in the manifest's container limits.
   */
  public static List<String> runCommand(List<String> jvmOptions, Path kubeconfig, int httpPort, String... runOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "run", "--kubeconfig", kubeconfig.toString(), "--http-port", String.valueOf(httpPort)));
    command.addAll(List.of(runOptions));
    return command;
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("the operator process exited with " + process.exitValue() + " before it was ready");
      }
      try {
        if (get("/readyz").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IOException("the operator process was not ready within " + START_TIMEOUT);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public int httpPort() {
    return httpPort;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public OperatorCounters counters() {
    try {
      HttpResponse<String> r = get("/metrics");
      if (r.statusCode() != 200) {
        throw new IOException("/metrics answered " + r.statusCode());
      }
      return OperatorCounters.fromPrometheus(r.body(), System.nanoTime());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void windowStarts() {
    windowStartCpuMillis = cpuMillis();
  }

  /** Ends the window, then has the process collect its garbage once so that the heap left is its live set. */
  @Override
  public void windowEnds() {
    windowEndCpuMillis = cpuMillis();
    liveHeapMiB = fullGcHeapMiB();
  }

  @Override
  public BenchResult.Cpu cpu(ProcessSampler sampler, ProcessSampler.Snapshot before, ProcessSampler.Snapshot after) {
    Map<String, Long> none = Map.of();
    return new BenchResult.Cpu(windowEndCpuMillis - windowStartCpuMillis, none,
        sampler.cpuMillisBetween(before, after, id -> true),
        (after.processCpuNanos() - before.processCpuNanos()) / 1_000_000,
        sampler.peakHeapBytes(), sampler.peakHeapAfterGcBytes(),
        new BenchResult.OwnProcess(String.join(" ", JVM_FLAGS), startSeconds, cpuMillis(),
            kib("VmHWM") / 1024.0, peakHeapAfterGcMiB(), liveHeapMiB, Math.max(peakThreads, threads())));
  }

  /** CPU time of the process since it started (user and system). */
  long cpuMillis() {
    return process.toHandle().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }

  /** A line of /proc/PID/status in KiB (VmRSS, VmHWM); -1 where it cannot be read. */
  long kib(String field) {
    String value = status(field);
    return value == null ? -1 : Long.parseLong(value.replace("kB", "").trim());
  }

  int threads() {
    String value = status("Threads");
    return value == null ? -1 : Integer.parseInt(value.trim());
  }

  private String status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith(field + ":")) {
          return line.substring(field.length() + 1);
        }
      }
    } catch (IOException e) {
      // not Linux, or the process has gone
    }
    return null;
  }

  private void sampleThreads() {
    while (process.isAlive()) {
      peakThreads = Math.max(peakThreads, threads());
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Asks the process for a full collection ({@code jcmd PID GC.run}, which returns once it is done)
   * and reads the heap it left from the collector's log; null if the JDK has no jcmd.
   */
  private Double fullGcHeapMiB() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return null;
    }
    try {
      Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      List<double[]> full = gcAfterMiB(true);
      return full.isEmpty() ? null : full.get(full.size() - 1)[0];
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The most heap left after any collection, from the collector's log. */
  double peakHeapAfterGcMiB() {
    return gcAfterMiB(false).stream().mapToDouble(a -> a[0]).max().orElse(0);
  }

  /** Heap after each collection in the log (MiB, with the heap's size then), only full ones if asked. */
  List<double[]> gcAfterMiB(boolean fullOnly) {
    List<double[]> after = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(gcLog)) {
        Matcher m = GC_LINE.matcher(line);
        if (m.find() && (!fullOnly || m.group(1).startsWith("Pause Full"))) {
          after.add(new double[] {mib(m.group(4), m.group(5)), mib(m.group(6), m.group(7))});
        }
      }
    } catch (IOException e) {
      // no log yet
    }
    return after;
  }

  private static double mib(String value, String unit) {
    double v = Double.parseDouble(value);
    return switch (unit) {
      case "K" -> v / 1024;
      case "G" -> v * 1024;
      default -> v;
    };
  }

  @Override
  public void close() {
    sampler.interrupt();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook stops it
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
