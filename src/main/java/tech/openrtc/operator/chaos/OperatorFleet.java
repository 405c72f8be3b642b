package tech.openrtc.operator.chaos;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.LeaderElection;
import tech.openrtc.operator.bench.OperatorProcess;

/**
 * The operators of a chaos run, each a JVM of its own started as a user starts it
 * ({@code run --kubeconfig K}), so that killing one is a real SIGKILL: no shutdown hook, no
 * cleanup, its memory gone. With leader election, two replicas share the Lease.
 */
final class OperatorFleet implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path kubeconfig;
  private final Path dir;
  private final boolean leaderElection;
  private final Process[] processes;
  private final AtomicInteger starts = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread stopOnExit = new Thread(this::killAll, "chaos-operators-stop");
  private final boolean[] killing;
  private final AtomicInteger exits = new AtomicInteger();
  private final java.util.concurrent.ScheduledExecutorService watchdog =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chaos-operators-watchdog");
        t.setDaemon(true);
        return t;
      });

  OperatorFleet(Path kubeconfig, Path dir, boolean leaderElection) {
    this.kubeconfig = kubeconfig;
    this.dir = dir;
    this.leaderElection = leaderElection;
    int count = leaderElection ? 2 : 1;
    this.processes = new Process[count];
    this.killing = new boolean[count];
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    watchdog.scheduleWithFixedDelay(this::restartExited, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * As the kubelet restarts a container that exits (restartPolicy Always): JOSDK exits the process
   * when it loses its Lease, which API faults on the renewals can cause. Counted, not hidden.
   */
  private void restartExited() {
    for (int i = 0; i < processes.length; i++) {
      synchronized (this) {
        if (processes[i] == null || processes[i].isAlive() || killing[i]) {
          continue;
        }
        killing[i] = true; // this restart is under way
      }
      exits.incrementAndGet();
      try {
        start(i);
      } catch (IOException e) {
        // tried again in a second
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        synchronized (this) {
          killing[i] = false;
        }
      }
    }
  }

  /** How often a replica exited by itself and was restarted. */
  int exits() {
    return exits.get();
  }

  int size() {
    return processes.length;
  }

  static String identity(int index) {
    return "chaos-operator-" + index;
  }

  /** Starts replica {@code index} (again) and waits until it answers /healthz. */
  void start(int index) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int n = starts.incrementAndGet();
    int port = freePort();
    List<String> command = OperatorProcess.runCommand(List.of(), kubeconfig, port,
        leaderElection ? new String[] {"--leader-election"} : new String[0]);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(identity(index) + ".log").toFile()));
    builder.environment().put("HOSTNAME", identity(index));
    builder.environment().put("OPERATOR_NAMESPACE", AgentOperator.DEFAULT_NAMESPACE);
    Process process;
    synchronized (this) {
      process = builder.start();
      processes[index] = process;
      killing[index] = false;
    }
    awaitHealthy(process, port, identity(index) + " (start " + n + ")");
  }

  /** SIGKILL: the process gets no chance to finish anything. */
  void kill(int index) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = processes[index];
      killing[index] = true;
    }
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The replica holding the Lease, or -1 if none holds it now. */
  int leader(KubernetesClient client) {
    Lease lease = client.leases().inNamespace(AgentOperator.DEFAULT_NAMESPACE).withName(LeaderElection.LEASE_NAME).get();
    String holder = lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    for (int i = 0; i < processes.length; i++) {
      if (identity(i).equals(holder)) {
        return i;
      }
    }
    return -1;
  }

  /** Every start after the first of each replica: kills and exits. */
  int restarts() {
    return starts.get() - processes.length;
  }

  synchronized boolean alive(int index) {
    return processes[index] != null && processes[index].isAlive();
  }

  synchronized boolean allAlive() {
    for (Process p : processes) {
      if (p == null || !p.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private void awaitHealthy(Process process, int port, String what) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException(what + " exited with " + process.exitValue());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IOException(what + " did not answer /healthz within " + START_TIMEOUT);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private synchronized void killAll() {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook stops them
    }
    killAll();
  }
}
