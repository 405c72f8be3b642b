package tech.openrtc.operator.drain;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
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
   * One reading per pod name. With the livekit source, one scan of the server serves all the pods,
   * and the other deployments on that server too (see {@link #maxScanAge}); without credentials
   * every reading is unknown.
   */
  public Map<String, InFlight> probe(Collection<PodState> pods, ProbeSettings spec, LiveKitAccess liveKitAccess) {
    if (!pods.isEmpty()) {
      rounds.incrementAndGet();
    }
    LiveKitCounts counts = null;
    if (spec.readsLiveKit() && !pods.isEmpty()) {
      counts = liveKitAccess.available()
          ? liveKit.count(liveKitAccess.credentials(), spec.agentName(), maxScanAge(pods, spec, Instant.now()))
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

  /**
   * How long before this ask a LiveKit scan shared with other deployments may have started: half a
   * poll, so a reading is at most pollSeconds/2 older than the ask. A call that ended since reads as
   * live a little longer (a call-ended webhook drops the scan, so the re-probe reads afresh). A call
   * that started since is missed, which matters only on a draining pod: its worker takes calls only
   * until it has seen the mark, within the settle time after it, and a 0 counts only after that time
   * (RolloutPlanner). So the scan must also have started after every probed pod's settle time that has
   * passed, as a fresh read would have: no pod is deleted on an older 0 than before scans were shared.
   */
  static Duration maxScanAge(Collection<PodState> pods, ProbeSettings spec, Instant now) {
    Duration max = spec.poll().dividedBy(2);
    for (PodState pod : pods) {
      if (pod.drainStartedAt() == null) {
        continue; // a 0 counts only for a pod marked with its start (RolloutPlanner)
      }
      Instant settled = pod.drainStartedAt().plus(spec.drainSettle());
      if (!settled.isAfter(now) && Duration.between(settled, now).compareTo(max) < 0) {
        max = Duration.between(settled, now);
      }
    }
    return max;
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
