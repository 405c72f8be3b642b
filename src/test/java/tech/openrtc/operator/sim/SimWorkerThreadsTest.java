package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.SimTestSupport.NS;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.getWorker;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers share the sim's event loop: hundreds of pods cost no thread each, faults still behave. */
class SimWorkerThreadsTest {

  private static final int WORKER_PORT = 28083;
  private static final int PODS = 300;

  private SimCluster sim;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(100))
        .withWorkerPort(WORKER_PORT));
    client = sim.newClient("test-operator");
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  @Test
  void threadsDoNotGrowWithPodsAndFaultsStillBehave() throws Exception {
    SimWorker first = startWorkers(1).get(0);
    // The first request starts the event loop's thread and the client's own: count after it.
    assertThat(getWorker(first.podIP(), WORKER_PORT, Duration.ofSeconds(2)).statusCode()).isEqualTo(200);
    int before = liveThreads();

    List<SimWorker> workers = startWorkers(PODS);
    for (SimWorker w : workers) {
      assertThat(getWorker(w.podIP(), WORKER_PORT, Duration.ofSeconds(2)).statusCode()).isEqualTo(200);
    }
    int after = liveThreads();
    System.out.printf("live threads: %d with 1 pod, %d with %d pods%n", before, after, PODS + 1);
    assertThat(after - before).as("threads added by %d more pods", PODS).isLessThan(30);

    SimWorker refusing = workers.get(0);
    refusing.setFault(Fault.REFUSE);
    assertThatThrownBy(() -> getWorker(refusing.podIP(), WORKER_PORT, Duration.ofSeconds(1)))
        .isInstanceOf(ConnectException.class);
    refusing.setFault(Fault.NONE);
    assertThat(getWorker(refusing.podIP(), WORKER_PORT, Duration.ofSeconds(2)).statusCode()).isEqualTo(200);

    SimWorker hanging = workers.get(1);
    hanging.setFault(Fault.HANG);
    assertThatThrownBy(() -> getWorker(hanging.podIP(), WORKER_PORT, Duration.ofMillis(300)))
        .isInstanceOf(HttpTimeoutException.class);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(hanging.podIP(), WORKER_PORT), 1000);
      socket.setSoTimeout(300);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /worker HTTP/1.1\r\nHost: " + hanging.podIP() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
      // The hung ones hold no thread: every other worker still answers at once.
      assertThat(getWorker(workers.get(2).podIP(), WORKER_PORT, Duration.ofSeconds(1)).statusCode()).isEqualTo(200);
      hanging.setFault(Fault.NONE);
      socket.setSoTimeout(2000);
      assertThat(in.read()).as("the hung connection is closed when the fault is cleared").isEqualTo(-1);
    }
    assertThat(getWorker(hanging.podIP(), WORKER_PORT, Duration.ofSeconds(2)).statusCode()).isEqualTo(200);

    SimWorker dead = workers.get(3);
    dead.crash();
    assertThatThrownBy(() -> getWorker(dead.podIP(), WORKER_PORT, Duration.ofSeconds(1)))
        .isInstanceOf(ConnectException.class);
  }

  private List<SimWorker> startWorkers(int n) {
    String prefix = "w" + System.nanoTime() % 100000 + "-";
    for (int i = 0; i < n; i++) {
      create(client, pod(prefix + i, "1.0", Map.of()));
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> sim.kubelet().workers().stream()
        .filter(w -> NS.equals(w.namespace()) && w.podName().startsWith(prefix) && w.ready()).count() == n);
    return sim.kubelet().workers().stream().filter(w -> w.podName().startsWith(prefix))
        .sorted(java.util.Comparator.comparing(SimWorker::podName)).toList();
  }
}
