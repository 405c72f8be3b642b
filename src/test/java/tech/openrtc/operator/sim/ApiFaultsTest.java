package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.ApiFaults.Kind;

/** Each fault as a fabric8 client sees it, on a real simulated cluster. */
class ApiFaultsTest {

  private static final String NS = SimTestSupport.NS;
  private static final String FAULTY = "faulty-client";
  private static final String BYSTANDER = "bystander";

  private static SimCluster sim;
  private static KubernetesClient bystander;
  private static final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startSim() {
    sim = SimCluster.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(100)).withWorkerPort(28083));
    bystander = client(BYSTANDER, 10_000, 0);
  }

  @AfterAll
  static void stopSim() {
    clients.forEach(KubernetesClient::close);
    sim.close();
  }

  /** As the operator's client: no fabric8 retries unless asked for. */
  private static KubernetesClient client(String userAgent, int requestTimeoutMillis, int retries) {
    Config config = sim.config(userAgent);
    config.setRequestTimeout(requestTimeoutMillis);
    config.setRequestRetryBackoffLimit(retries);
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
    clients.add(c);
    return c;
  }

  private static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .addToData("v", value).build();
  }

  private static ConfigMap get(String name) {
    return bystander.configMaps().inNamespace(NS).withName(name).get();
  }

  private static long injected(Kind kind) {
    return sim.apiFaults().injected().get(kind);
  }

  @Test
  void serverErrorIsAnInternalErrorAndNotApplied() {
    KubernetesClient faulty = client(FAULTY + "/500", 10_000, 0);
    long before = injected(Kind.SERVER_ERROR);
    sim.apiFaults().inject(Kind.SERVER_ERROR, FAULTY + "/500", ApiFaults.writes(), 1);

    assertThatThrownBy(() -> faulty.resource(configMap("e500", "a")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(500);
          assertThat(e.getStatus().getReason()).isEqualTo("InternalError");
        });
    assertThat(get("e500")).isNull();
    assertThat(injected(Kind.SERVER_ERROR)).isEqualTo(before + 1);
    // Used up: the next write goes through.
    faulty.resource(configMap("e500", "a")).create();
    assertThat(get("e500").getData()).containsEntry("v", "a");
  }

  @Test
  void conflictRefusesAWriteAndLeavesTheObjectAlone() {
    KubernetesClient faulty = client(FAULTY + "/409", 10_000, 0);
    bystander.resource(configMap("e409", "old")).create();
    sim.apiFaults().inject(Kind.CONFLICT, FAULTY + "/409", ApiFaults.writes(), 1);

    // Reads are not writes: untouched.
    assertThat(faulty.configMaps().inNamespace(NS).withName("e409").get()).isNotNull();
    assertThatThrownBy(() -> faulty.configMaps().inNamespace(NS).withName("e409")
        .edit(cm -> new ConfigMapBuilder(cm).addToData("v", "new").build()))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
          assertThat(e.getStatus().getMessage()).contains("the object has been modified");
        });
    assertThat(get("e409").getData()).containsEntry("v", "old");
  }

  @Test
  void tooManyRequestsCarriesRetryAfterAndFabric8WaitsForIt() throws Exception {
    String ua = FAULTY + "/429";
    KubernetesClient faulty = client(ua, 10_000, 0);
    bystander.resource(configMap("e429", "x")).create();
    sim.apiFaults().inject(Kind.TOO_MANY_REQUESTS, ua, c -> "configmaps".equals(c.resource()), 1);
    assertThatThrownBy(() -> faulty.configMaps().inNamespace(NS).withName("e429").get())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(429);
          assertThat(e.getStatus().getReason()).isEqualTo("TooManyRequests");
        });

    // On the wire: the header clients are to wait for.
    sim.apiFaults().inject(Kind.TOO_MANY_REQUESTS, ua, c -> true, 1);
    HttpResponse<String> raw = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(sim.masterUrl() + "api/v1/namespaces/" + NS + "/configmaps/e429"))
            .header("User-Agent", ua).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(429);
    assertThat(raw.headers().firstValue("Retry-After")).contains("1");
    assertThat(raw.body()).contains("\"reason\":\"TooManyRequests\"");

    // A client with fabric8's default retries (the in-process test operator's) retries a 429 and
    // succeeds. fabric8 7.5.2 computes max(Retry-After, backoff) but then sleeps only its own
    // exponential backoff (AsyncUtils.retryWithExponentialBackoff schedules with the backoff
    // interval, not the value shouldRetry returned): Retry-After is not honoured.
    KubernetesClient retrying = client(ua + "/retrying", 10_000, 10);
    sim.apiFaults().inject(Kind.TOO_MANY_REQUESTS, ua + "/retrying", c -> true, 2);
    long before = injected(Kind.TOO_MANY_REQUESTS);
    assertThat(retrying.configMaps().inNamespace(NS).withName("e429").get()).isNotNull();
    assertThat(injected(Kind.TOO_MANY_REQUESTS)).isEqualTo(before + 2);
    assertThat(sim.requests().countsByVerbAndResource(ua + "/retrying")).containsEntry("get configmaps", 3L);
  }

  @Test
  void slowAnswersArriveLateAndRightWithoutHoldingUpOthers() throws Exception {
    String ua = FAULTY + "/slow";
    KubernetesClient faulty = client(ua, 10_000, 0);
    bystander.resource(configMap("slow", "x")).create();
    sim.apiFaults().inject(Kind.SLOW, ua, c -> true, 1);

    long start = System.nanoTime();
    CompletableFuture<ConfigMap> slow =
        CompletableFuture.supplyAsync(() -> faulty.configMaps().inNamespace(NS).withName("slow").get());
    await().atMost(Duration.ofSeconds(1)).until(() -> injected(Kind.SLOW) >= 1);
    // While the slow answer waits, the server answers others at once: the delay is a timer.
    long other = System.nanoTime();
    assertThat(bystander.configMaps().inNamespace(NS).withName("slow").get()).isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - other)).isLessThan(Duration.ofMillis(700));
    assertThat(slow.get().getData()).containsEntry("v", "x");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
  }

  @Test
  void aTimedOutWriteWasAppliedAllTheSame() {
    String ua = FAULTY + "/timeout";
    KubernetesClient faulty = client(ua, 2_000, 0);
    long start = System.nanoTime();
    sim.apiFaults().inject(Kind.TIMEOUT, ua, ApiFaults.writes(), 1);
    assertThatThrownBy(() -> faulty.resource(configMap("timeout", "landed")).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(causes(e)).anyMatch(c -> c.getClass().getSimpleName().contains("Timeout")));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    // The client saw a timeout; the write landed.
    assertThat(get("timeout").getData()).containsEntry("v", "landed");
    // The same client's next request is fine.
    assertThat(faulty.configMaps().inNamespace(NS).withName("timeout").get()).isNotNull();
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> all = new java.util.ArrayList<>();
    for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
      all.add(c);
    }
    return all;
  }

  @Test
  void onlyMatchingClientsAndOnlyTimesRequests() {
    String ua = FAULTY + "/times";
    KubernetesClient faulty = client(ua, 10_000, 0);
    long before = injected(Kind.SERVER_ERROR);
    sim.apiFaults().inject(Kind.SERVER_ERROR, ua, c -> "configmaps".equals(c.resource()), 2);

    for (int i = 0; i < 3; i++) {
      bystander.resource(configMap("times-b" + i, "x")).create();
    }
    assertThatThrownBy(() -> faulty.resource(configMap("times-1", "x")).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
    assertThatThrownBy(() -> faulty.configMaps().inNamespace(NS).withName("times-b0").get())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
    faulty.resource(configMap("times-3", "x")).create();
    assertThat(injected(Kind.SERVER_ERROR)).isEqualTo(before + 2);
    assertThat(get("times-1")).isNull();
    assertThat(get("times-3")).isNotNull();
  }

  @Test
  void watchesAreNeverRefused() {
    String ua = FAULTY + "/watch";
    KubernetesClient faulty = client(ua, 10_000, 0);
    sim.apiFaults().inject(Kind.SERVER_ERROR, ua, c -> true, 1);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Watch w = faulty.configMaps().inNamespace(NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        seen.add(action + " " + cm.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      bystander.resource(configMap("watched", "x")).create();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("ADDED watched"));
    }
    // The injection is still there for the next non-watch request.
    assertThatThrownBy(() -> faulty.configMaps().inNamespace(NS).withName("watched").get())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));
  }

  @Test
  void anInformerReconnectsAfterItsWatchIsDropped() {
    String ua = "openrtc-operator-test";
    KubernetesClient operator = client(ua, 15_000, 0);
    SharedIndexInformer<Pod> informer = operator.pods().inNamespace(NS).inform();
    try {
      await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
      await().atMost(Duration.ofSeconds(5)).until(() -> sim.apiFaults().openWatches() > 0);
      long watchesBefore = watchRequests(ua);
      long droppedBefore = sim.apiFaults().watchesDropped();

      int dropped = sim.apiFaults().dropWatches(ua);
      assertThat(dropped).isEqualTo(1);
      assertThat(sim.apiFaults().watchesDropped()).isEqualTo(droppedBefore + 1);
      assertThat(sim.apiFaults().dropWatches(BYSTANDER)).isZero();

      // fabric8 watches again; what happens after that reaches the informer.
      await().atMost(Duration.ofSeconds(10)).until(() -> watchRequests(ua) > watchesBefore);
      SimTestSupport.create(bystander, SimTestSupport.pod("after-drop", "v1", Map.of()));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> informer.getStore().getByKey(NS + "/after-drop") != null);
      assertThat(informer.isWatching()).isTrue();
    } finally {
      informer.close();
    }
  }

  private static long watchRequests(String ua) {
    return sim.requests().countsByVerbAndResource(ua).getOrDefault("watch pods", 0L);
  }

  @Test
  void aLostDeletionEventLeavesTheObjectInAnInformersCacheOnce() {
    KubernetesClient watcher = client("cache-holder", 10_000, 0);
    SharedIndexInformer<ConfigMap> informer = watcher.configMaps().inNamespace(NS).inform();
    try {
      await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
      bystander.resource(configMap("lost", "x")).create();
      bystander.resource(configMap("seen", "x")).create();
      await().atMost(Duration.ofSeconds(5)).until(() -> informer.getStore().getByKey(NS + "/lost") != null
          && informer.getStore().getByKey(NS + "/seen") != null);
      long before = sim.apiFaults().deletionEventsLost();

      sim.apiFaults().loseDeletionEvent("configmaps", NS, "lost");
      bystander.configMaps().inNamespace(NS).withName("lost").delete();
      bystander.configMaps().inNamespace(NS).withName("seen").delete();
      await().atMost(Duration.ofSeconds(5)).until(() -> informer.getStore().getByKey(NS + "/seen") == null);
      assertThat(get("lost")).isNull();
      assertThat(informer.getStore().getByKey(NS + "/lost")).isNotNull();
      assertThat(sim.apiFaults().deletionEventsLost()).isEqualTo(before + 1);

      // Once: the next deletion of that name is seen.
      bystander.resource(configMap("lost", "y")).create();
      await().atMost(Duration.ofSeconds(5))
          .until(() -> "y".equals(informer.getStore().getByKey(NS + "/lost").getData().get("v")));
      bystander.configMaps().inNamespace(NS).withName("lost").delete();
      await().atMost(Duration.ofSeconds(5)).until(() -> informer.getStore().getByKey(NS + "/lost") == null);
      assertThat(sim.apiFaults().deletionEventsLost()).isEqualTo(before + 1);
    } finally {
      informer.close();
    }
  }
}
