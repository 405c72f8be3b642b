package tech.openrtc.operator.bench;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.AnnotationInFlightSource;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.LiveKitInFlightSource;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.FakeLiveKitServer;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimKubelet;
import tech.openrtc.operator.sim.SimOptions;

/**
 * One benchmark run: a fresh simulated cluster in this process and a fresh operator (in a JVM of its
 * own, or in this one), N AgentDeployments
 * Healthy at v1 under calls, every spec.version bumped to v2 at once, then measured until all are
 * Healthy at v2 (and, if asked, for an idle window after that).
 */
final class BenchRun {

  static final String NAMESPACE = "bench";
  static final String BENCH_USER_AGENT = "openrtc-bench";
  /** Writes that land just after the last Healthy (the completed Event, clean-ups) still count for the rollout. */
  static final Duration TAIL = Duration.ofSeconds(2);
  private static final String LIVEKIT_KEY = "APIbench";
  private static final String LIVEKIT_SECRET = "bench-secret-0123456789abcdefghijklmn";

  private final BenchConfig config;
  private final java.io.PrintStream progress;

  BenchRun(BenchConfig config, java.io.PrintStream progress) {
    this.config = config;
    this.progress = progress;
  }

  BenchResult run() throws InterruptedException, IOException {
    SimOptions options = SimOptions.defaults().withStartupDelay(config.startupDelay()).withWorkerPort(freePort());
    try (ProcessSampler sampler = new ProcessSampler();
        SimCluster sim = SimCluster.start(options);
        BenchOperator operator = startOperator(sim)) {
      KubernetesClient bench = sim.newClient(BENCH_USER_AGENT);
      try (RolloutWatch watch = new RolloutWatch(bench, NAMESPACE)) {
        BenchResult.Inputs observed = measure(sim, bench, operator, watch, sampler);
        return BenchResult.of(config, observed, operator.cpu(sampler, observed.cpuBefore(), observed.cpuAfter()));
      }
    }
  }

  /** As a user runs it (its own JVM, pointed at the sim's kubeconfig), or in this JVM. */
  private BenchOperator startOperator(SimCluster sim) throws IOException, InterruptedException {
    if (config.operator() == BenchConfig.Operator.IN_PROCESS) {
      return new InProcessOperator(sim);
    }
    Path dir = Files.createTempDirectory("openrtc-bench-operator");
    Path kubeconfig = dir.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
    step("operator: its own JVM (%s), log in %s", String.join(" ", OperatorProcess.JVM_FLAGS), dir);
    return OperatorProcess.start(kubeconfig, dir, freePort(),
        config.operator() == BenchConfig.Operator.OWN_PROCESS_PROFILED);
  }

  private BenchResult.Inputs measure(SimCluster sim, KubernetesClient bench, BenchOperator operator, RolloutWatch watch,
      ProcessSampler sampler) throws InterruptedException {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= config.deployments(); i++) {
      names.add(String.format("bench-%04d", i));
    }
    String liveKitUrl = null;
    if (config.source() == BenchConfig.Source.livekit || config.source() == BenchConfig.Source.livekit_polled) {
      FakeLiveKitServer liveKit = sim.liveKit(LIVEKIT_KEY, LIVEKIT_SECRET);
      if (config.source() == BenchConfig.Source.livekit) {
        liveKit.sendWebhooksTo("http://127.0.0.1:" + operator.httpPort() + "/livekit/webhook");
      }
      createLiveKitSecret(bench);
      liveKitUrl = liveKit.wsUrl();
    }
    watch.await("v1");
    for (String name : names) {
      bench.resource(deployment(name, liveKitUrl, sim.options().workerPort())).create();
    }
    step("created %d AgentDeployments of %d replicas at v1", names.size(), config.replicas());
    if (!watch.awaitAll(names.size(), config.timeout())) {
      throw new IllegalStateException("v1 never became Healthy everywhere within " + config.timeout());
    }
    CallProfile profile = config.calls().withRate(config.calls().callsPerSecond() / names.size());
    for (String name : names) {
      sim.calls(NAMESPACE, name, profile.withSeed(name.hashCode()));
    }
    // Long enough for the calls in flight to reach their steady number.
    step("all Healthy at v1; placing %.1f calls/s; warming up %d s", config.calls().callsPerSecond(),
        config.calls().max().toSeconds());
    Thread.sleep(config.calls().max().toMillis());

    // Only the rollout's requests from here on (the log also holds the v1 set-up's).
    sim.requests().reset();
    OperatorCounters countersBefore = operator.counters();
    ProcessSampler.Snapshot cpuBefore = sampler.snapshot();
    operator.windowStarts();
    long servingBefore = sim.requests().servingNanos();
    watch.await("v2");
    watch.counting(true);
    Map<String, Instant> bumpedAt = new LinkedHashMap<>();
    for (String name : names) {
      bumpedAt.put(name, Instant.now());
      bench.resources(AgentDeployment.class).inNamespace(NAMESPACE).resource(stub(name))
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"version\":\"v2\"}}");
    }
    step("bumped every spec.version to v2");
    boolean completed = watch.awaitAll(names.size(), config.timeout());
    Instant lastHealthy = watch.healthyAt().values().stream().max(Instant::compareTo).orElse(Instant.now());
    step(completed ? "all Healthy at v2" : "timed out waiting for Healthy at v2");
    sleepUntil(lastHealthy.plus(TAIL));
    watch.counting(false);
    ProcessSampler.Snapshot cpuAfter = sampler.snapshot();
    OperatorCounters counters = operator.counters().minus(countersBefore);
    operator.windowEnds();
    long serving = sim.requests().servingNanos() - servingBefore;
    Instant rolloutEnd = Instant.now();
    List<RecordedCall> rolloutRequests = requests(sim, null, rolloutEnd);

    List<RecordedCall> idleWrites = null;
    // Idle only means something once the rollout is over.
    if (config.idleSeconds() > 0 && completed) {
      step("watching %d s for idle writes", config.idleSeconds());
      Thread.sleep(config.idleSeconds() * 1000L);
      idleWrites = requests(sim, rolloutEnd, Instant.now()).stream()
          .filter(c -> c.isWrite() && c.userAgentStartsWith(RunCommand.USER_AGENT)).toList();
    }
    return new BenchResult.Inputs(
        completed, bumpedAt, watch.healthyAt(), rolloutRequests, serving, sim.requests().podDeletions(), sim.ledger(),
        idleWrites, watch.statusChanges(), counters, cpuBefore, cpuAfter);
  }

  /** Requests of every client received in [from, to); from null: since the log was reset. */
  private static List<RecordedCall> requests(SimCluster sim, Instant from, Instant to) {
    return sim.requests().all().stream()
        .filter(c -> (from == null || !c.at().isBefore(from)) && c.at().isBefore(to))
        .toList();
  }

  private AgentDeployment deployment(String name, String liveKitUrl, int workerPort) {
    return deployment(name, config.replicas(), config.pollSeconds(), config.source(), liveKitUrl, workerPort);
  }

  /** A bench AgentDeployment at v1 in {@value #NAMESPACE}, read with {@code source} every {@code pollSeconds}. */
  static AgentDeployment deployment(String name, int replicas, int pollSeconds, BenchConfig.Source source,
      String liveKitUrl, int workerPort) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("v1");
    spec.setReplicas(replicas);
    spec.setAgentName(name);
    Map<String, String> podAnnotations = source == BenchConfig.Source.annotation
        ? Map.of(SimKubelet.ANNOTATION_REPORT_IN_FLIGHT, "annotation") : Map.of();
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", name).addToAnnotations(podAnnotations).endMetadata()
        .withNewSpec()
          .withContainers(new ContainerBuilder().withName("agent").withImage("example/agent:1").build())
        .endSpec()
        .build());
    DrainSpec drain = new DrainSpec();
    drain.setPollSeconds(pollSeconds);
    // Far beyond any call: a deadline must never decide a drain here.
    drain.setTimeoutSeconds(600);
    InFlightSpec inFlight = new InFlightSpec();
    switch (source) {
      case http -> {
        HttpInFlightSource http = new HttpInFlightSource();
        http.setPort(workerPort);
        inFlight.setHttp(http);
      }
      case annotation -> inFlight.setAnnotation(new AnnotationInFlightSource());
      case livekit, livekit_polled -> {
        inFlight.setLivekit(new LiveKitInFlightSource());
        LiveKitSpec livekit = new LiveKitSpec();
        livekit.setUrl(liveKitUrl);
        SecretRef ref = new SecretRef();
        ref.setName("livekit");
        livekit.setSecretRef(ref);
        spec.setLivekit(livekit);
      }
    }
    drain.setInFlight(inFlight);
    spec.setDrain(drain);
    d.setSpec(spec);
    return d;
  }

  private static void createLiveKitSecret(KubernetesClient client) {
    Base64.Encoder b64 = Base64.getEncoder();
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("livekit").withNamespace(NAMESPACE).endMetadata()
        .addToData("api-key", b64.encodeToString(LIVEKIT_KEY.getBytes(StandardCharsets.UTF_8)))
        .addToData("api-secret", b64.encodeToString(LIVEKIT_SECRET.getBytes(StandardCharsets.UTF_8)))
        .build()).create();
  }

  /**
   * The simulated workers listen on 127.0.0.N, N counted up from 2 by every simulated cluster: on
   * their own port, thousands of bench workers leave those addresses free for a test or demo
   * running at the same time on this machine (and the other way round).
   */
  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Enough of an AgentDeployment to address a patch (resource(..).patch sends no GET first). */
  private static AgentDeployment stub(String name) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    return d;
  }

  private static void sleepUntil(Instant t) throws InterruptedException {
    long ms = Duration.between(Instant.now(), t).toMillis();
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  private void step(String format, Object... args) {
    progress.printf("  [%s] %s%n", config.label(), String.format(format, args));
  }
}
