package tech.openrtc.operator.drain;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tech.openrtc.operator.pods.PodState;

/**
 * Reads in-flight counts of many pods at once. HTTP probes run concurrently, each bounded by a
 * short timeout, so a hung worker costs a reconcile at most {@link #REQUEST_TIMEOUT}.
 */
public class InFlightProber implements AutoCloseable {

  static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1000);
  static final Duration REQUEST_TIMEOUT = Duration.ofMillis(2000);

  private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "inflight-probe");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(CONNECT_TIMEOUT)
      .executor(executor)
      .version(HttpClient.Version.HTTP_1_1)
      .build();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();

  private final LiveKitCounter liveKit = new LiveKitCounter();

  /** One reading per pod name, for sources that need no LiveKit server. */
  public Map<String, InFlight> probe(Collection<PodState> pods, ProbeSettings spec) {
    return probe(pods, spec, LiveKitAccess.none());
  }

  /**
   * One reading per pod name. With the livekit source, the server is read once for all the pods
   * (one ListRooms per call of this method), and without credentials every reading is unknown.
   */
  public Map<String, InFlight> probe(Collection<PodState> pods, ProbeSettings spec, LiveKitAccess liveKitAccess) {
    if (!pods.isEmpty()) {
      rounds.incrementAndGet();
    }
    LiveKitCounts counts = null;
    if (spec.readsLiveKit() && !pods.isEmpty()) {
      counts = liveKitAccess.available()
          ? liveKit.count(liveKitAccess.credentials(), spec.agentName())
          : LiveKitCounts.failed(liveKitAccess.unavailable());
    }
    Map<String, CompletableFuture<InFlight>> pending = new HashMap<>();
    for (PodState pod : pods) {
      pending.put(pod.name(), read(pod, spec, counts));
    }
    Map<String, InFlight> readings = new HashMap<>();
    long deadline = System.nanoTime() + REQUEST_TIMEOUT.plusMillis(500).toNanos();
    pending.forEach((name, future) -> {
      long left = Math.max(0, deadline - System.nanoTime());
      InFlight reading;
      try {
        reading = future.get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        future.cancel(true);
        reading = InFlight.unknown("probe timed out");
      }
      if (!reading.known()) {
        errors.incrementAndGet();
      }
      readings.put(name, reading);
    });
    return readings;
  }

  private CompletableFuture<InFlight> read(PodState pod, ProbeSettings spec, LiveKitCounts counts) {
    return switch (spec.source()) {
      case ANNOTATION -> CompletableFuture.completedFuture(InFlightParser.fromAnnotation(pod.inFlightAnnotation()));
      case HTTP -> httpGet(pod, spec);
      case LIVEKIT -> CompletableFuture.completedFuture(counts.forPod(pod.name(), pod.version()));
      case HTTP_AND_LIVEKIT -> {
        InFlight liveKitReading = counts.forPod(pod.name(), pod.version());
        yield httpGet(pod, spec).thenApply(http -> InFlight.crossChecked(http, liveKitReading));
      }
    };
  }

  private CompletableFuture<InFlight> httpGet(PodState pod, ProbeSettings spec) {
    if (pod.podIp() == null) {
      return CompletableFuture.completedFuture(InFlight.unknown("pod has no IP"));
    }
    String host = pod.podIp().contains(":") ? "[" + pod.podIp() + "]" : pod.podIp();
    URI uri = URI.create("http://" + host + ":" + spec.httpPort() + spec.httpPath());
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
    requests.incrementAndGet();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> response.statusCode() / 100 == 2
            ? InFlightParser.fromWorkerJson(response.body(), spec.httpField(), spec.agentName())
            : InFlight.unknown("HTTP " + response.statusCode()))
        .exceptionally(e -> InFlight.unknown(rootMessage(e)));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  public long requestsSent() {
    return requests.get();
  }

  public long errors() {
    return errors.get();
  }

  /** Calls of {@link #probe} that had pods to read: one per reconcile of a draining deployment. */
  public long rounds() {
    return rounds.get();
  }

  /** The LiveKit reader (its request counts). */
  public LiveKitCounter liveKit() {
    return liveKit;
  }

  @Override
  public void close() {
    liveKit.close();
    executor.shutdownNow();
  }
}
