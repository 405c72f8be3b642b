package tech.openrtc.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.disruption.NodeAccess;
import tech.openrtc.operator.disruption.NodeDisruption;
import tech.openrtc.operator.drain.InFlightProber;
import tech.openrtc.operator.drain.LiveKitCounter;
import tech.openrtc.operator.drain.LiveKitWebhooks;
import tech.openrtc.operator.membership.SigningKeySet;
import tech.openrtc.operator.membership.SigningKeyStore;
import tech.openrtc.operator.metrics.OperatorMetrics;
import tech.openrtc.operator.reconcile.AgentDeploymentReconciler;

/** The operator process: the JOSDK controller plus one HTTP port for health. */
public final class AgentOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AgentOperator.class);

  private final Operator operator;
  private final InFlightProber prober;
  private final AgentDeploymentReconciler reconciler;
  private final PrometheusMeterRegistry registry;
  private final HttpServer http;
  private final WebhookEndpoint webhookEndpoint;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Leadership leadership;
  private final SigningKeyStore signingKeys;
  private final ScheduledExecutorService keyWatch = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "signing-keys");
    t.setDaemon(true);
    return t;
  });
  public static final String DEFAULT_NAMESPACE = "openrtc-system";

  private AgentOperator(Operator operator, AgentDeploymentReconciler reconciler, HttpServer http,
      SigningKeyStore signingKeys, PrometheusMeterRegistry registry, Leadership leadership) {
    this.operator = operator;
    this.registry = registry;
    this.reconciler = reconciler;
    this.prober = reconciler.prober();
    this.leadership = leadership;
    leadership.onLoss(this::close);
    this.http = http;
    this.webhookEndpoint = new WebhookEndpoint(reconciler.webhooks(), leadership::leading);
    this.signingKeys = signingKeys;
    // A rotation requested by annotating the Secret is picked up within a minute.
    keyWatch.scheduleWithFixedDelay(this::syncKeys, 60, 60, TimeUnit.SECONDS);
  }

  private void syncKeys() {
    try {
      syncKeys(false);
    } catch (RuntimeException e) {
      LOG.warn("signing keys not refreshed: {}", e.getMessage());
    }
  }

  /** Adds a signing key now (as {@code run --rotate-signing-key} does at start). */
  public void rotateSigningKey() {
    syncKeys(true);
  }

  private void syncKeys(boolean rotate) {
    String before = signingKeys.keys().jwksJson();
    String after = signingKeys.sync(rotate, Instant.now()).jwksJson();
    if (!before.equals(after)) {
      // A new key: every deployment publishes it now, so it is out well before it signs.
      reconciler.reconcileAll();
    }
  }

  /**
   * Starts reconciling and returns once the informer caches are synced.
   *
   * @param namespaces the namespaces to watch; empty for all
   * @param httpPort the health port; 0 for any free port, negative for none
   */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort) {
    return start(client, namespaces, httpPort, DEFAULT_NAMESPACE, false);
  }

  /**
   * @param operatorNamespace where the signing-key Secret lives
   * @param rotateSigningKey add a new signing key now (the previous one stays published)
   */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort,
      String operatorNamespace, boolean rotateSigningKey) {
    return start(client, namespaces, httpPort, operatorNamespace, rotateSigningKey, null);
  }

  /**
   * With leader election, this returns once the caches are synced whether or not this instance
   * holds the Lease: a standby is ready (caches warm, HTTP up) and reconciles when it takes over.
   *
   * @param leaderElection null: no election, this instance reconciles at once
   */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort,
      String operatorNamespace, boolean rotateSigningKey, LeaderElection leaderElection) {
    return start(client, namespaces, httpPort, operatorNamespace, rotateSigningKey, leaderElection,
        SigningKeySet.PUBLISH_DELAY);
  }

  /** @param keyPublishDelay how long a new signing key is published before it signs */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort,
      String operatorNamespace, boolean rotateSigningKey, LeaderElection leaderElection, Duration keyPublishDelay) {
    return start(client, namespaces, httpPort, operatorNamespace, rotateSigningKey, leaderElection, keyPublishDelay,
        List.of());
  }

  /** @param disruptionTaints taint keys that mark a node being taken away, beyond the known ones */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort,
      String operatorNamespace, boolean rotateSigningKey, LeaderElection leaderElection, Duration keyPublishDelay,
      List<String> disruptionTaints) {
    return start(client, namespaces, httpPort, operatorNamespace, rotateSigningKey, leaderElection, keyPublishDelay,
        disruptionTaints, null);
  }

  /**
   * @param selector a label selector: only the AgentDeployments it matches are this operator's (a
   *     shard; the API server filters them); null for all
   */
  public static AgentOperator start(KubernetesClient client, Set<String> namespaces, int httpPort,
      String operatorNamespace, boolean rotateSigningKey, LeaderElection leaderElection, Duration keyPublishDelay,
      List<String> disruptionTaints, String selector) {
    SigningKeyStore signingKeys = new SigningKeyStore(client, operatorNamespace).publishDelay(keyPublishDelay);
    signingKeys.sync(rotateSigningKey, Instant.now());
    InFlightProber prober = new InFlightProber();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    LeaderElection.PodRef ownPod = leaderElection == null ? null : leaderElection.pod();
    Leadership leadership = new Leadership(leaderElection,
        ownPod == null ? null : new LeaderPodLabel(client, ownPod.namespace(), ownPod.name()));
    Operator operator = new Operator(o -> o
        .withKubernetesClient(client)
        // JOSDK's reconcile metrics, not per resource: a series per AgentDeployment is for the gauges above.
        .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
        .withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withStopOnInformerErrorDuringStartup(true)
        .withResourceCloner(carryingWrongTypes(client))
        .withLeaderElectionConfiguration(leadership.josdkConfiguration()));
    NodeDisruption nodes = NodeAccess.canWatchNodes(client) ? new NodeDisruption(disruptionTaints) : null;
    var reconciler = new AgentDeploymentReconciler(client, prober, new Recorder(client), signingKeys, Clock.systemUTC(),
        metrics, nodes);
    registerProcessMetrics(metrics, reconciler);
    operator.register(reconciler, o -> {
      if (namespaces.isEmpty()) {
        o.watchingAllNamespaces();
      } else {
        o.settingNamespaces(namespaces);
      }
      if (selector != null && !selector.isBlank()) {
        // A deployment relabelled out of the shard leaves this informer as if deleted (no cleanup
        // runs: it is not being deleted) and enters the other shard's, which adopts it from
        // cluster state.
        o.withLabelSelector(selector);
      }
    });
    HttpServer http = httpPort < 0 ? null : httpServer(httpPort);
    AgentOperator running = new AgentOperator(operator, reconciler, http, signingKeys, registry, leadership);
    if (http != null) {
      running.routes();
      http.start();
    }
    operator.start();
    running.ready.set(true);
    LOG.info("openrtc-operator started; watching {}", namespaces.isEmpty() ? "all namespaces" : namespaces);
    return running;
  }

  /**
   * JOSDK's copy of a resource for a reconcile pass, made by serializing it as JOSDK does, plus the
   * spec's values of the wrong type (which serializing drops): the pass must see the spec as invalid.
   */
  private static Cloner carryingWrongTypes(KubernetesClient client) {
    return new Cloner() {
      @Override
      public <R extends HasMetadata> R clone(R object) {
        R copy = client.getKubernetesSerialization().clone(object);
        if (object instanceof AgentDeployment from && copy instanceof AgentDeployment to) {
          AgentDeploymentSpec.carryWrongTypes(from.getSpec(), to.getSpec());
        }
        return copy;
      }
    };
  }

  /** Counters kept by the prober and the webhook endpoint, and the JVM's own. */
  private static void registerProcessMetrics(OperatorMetrics metrics, AgentDeploymentReconciler reconciler) {
    InFlightProber prober = reconciler.prober();
    LiveKitWebhooks webhooks = reconciler.webhooks();
    metrics.countFrom("openrtc.inflight.probe.errors", "In-flight readings that came back unknown",
        Tags.empty(), prober, InFlightProber::errors);
    metrics.countFrom("openrtc.inflight.probe.requests", "HTTP in-flight probes sent to workers",
        Tags.empty(), prober, InFlightProber::requestsSent);
    metrics.countFrom("openrtc.inflight.probe.rounds", "Rounds of in-flight reads (one per pass with pods to read)",
        Tags.empty(), prober, InFlightProber::rounds);
    metrics.countFrom("openrtc.livekit.requests", "RoomService requests sent to LiveKit servers",
        Tags.of("method", "ListRooms"), prober.liveKit(), LiveKitCounter::listRoomsSent);
    metrics.countFrom("openrtc.livekit.requests", "RoomService requests sent to LiveKit servers",
        Tags.of("method", "ListParticipants"), prober.liveKit(), LiveKitCounter::listParticipantsSent);
    metrics.countFrom("openrtc.livekit.webhooks", "LiveKit webhooks received at /livekit/webhook",
        Tags.of("result", "accepted"), webhooks, LiveKitWebhooks::accepted);
    metrics.countFrom("openrtc.livekit.webhooks", "LiveKit webhooks received at /livekit/webhook",
        Tags.of("result", "rejected"), webhooks, LiveKitWebhooks::rejected);
    metrics.countFrom("openrtc.livekit.webhooks", "LiveKit webhooks received at /livekit/webhook",
        Tags.of("result", "busy"), webhooks, LiveKitWebhooks::busy);
    metrics.countFrom("openrtc.livekit.webhook.reprobes", "In-flight re-reads asked for by LiveKit webhooks",
        Tags.empty(), webhooks, LiveKitWebhooks::reprobes);
    MeterRegistry registry = metrics.registry();
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  private static HttpServer httpServer(int port) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "operator-http");
        t.setDaemon(true);
        return t;
      }));
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on HTTP port " + port + ": " + e.getMessage(), e);
    }
  }

  private void routes() {
    http.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
    http.createContext("/.well-known/jwks.json", ex -> {
      byte[] body = signingKeys.keys().jwksJson().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    http.createContext("/livekit/webhook", webhookEndpoint);
    http.createContext("/metrics", ex -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    http.createContext("/readyz", ex -> {
      boolean up = ready.get() && operator.getRuntimeInfo().allEventSourcesAreHealthy();
      reply(ex, up ? 200 : 503, up ? "ready\n" : "not ready\n");
    });
  }

  static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  public int httpPort() {
    return http == null ? -1 : http.getAddress().getPort();
  }

  public SigningKeyStore signingKeys() {
    return signingKeys;
  }

  public LiveKitWebhooks webhooks() {
    return reconciler.webhooks();
  }

  /** The meters /metrics serves. */
  public MeterRegistry meterRegistry() {
    return registry;
  }

  public InFlightProber prober() {
    return prober;
  }

  /** Whether this instance reconciles: it holds the Lease, or runs without leader election. */
  public boolean isLeader() {
    return leadership.leading();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // closed already, e.g. after losing the Lease
    }
    leadership.stopping();
    ready.set(false);
    keyWatch.shutdownNow();
    // The webhook Service stops selecting this pod first: it is going, and the Lease is not
    // released, so the next leader takes over only once it expires.
    leadership.close();
    try {
      operator.stop();
    } finally {
      if (http != null) {
        http.stop(0);
      }
      webhookEndpoint.close();
      prober.close();
    }
  }
}
