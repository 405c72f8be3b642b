package tech.openrtc.operator.chaos;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.reconcile.SpecValidator;
import tech.openrtc.operator.sim.CallLedger;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.FakeLiveKitServer;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/**
 * One chaos run: a simulated cluster, the operator(s) in their own JVMs, AgentDeployments under
 * calls, a seeded schedule of faults, an {@link InvariantChecker} watching from outside; then, with
 * the faults stopped, convergence, a quiet window, and spec fuzzing.
 */
public final class ChaosRun {

  private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);

  static final String NAMESPACE = "chaos";
  static final String FUZZ_NAMESPACE = "chaos-fuzz";
  static final int DRAIN_TIMEOUT_SECONDS = 45;
  private static final String LIVEKIT_KEY = "APIchaos";
  private static final String LIVEKIT_SECRET_VALUE = "chaos-secret-0123456789abcdefghijklmn";
  private static final Duration CONVERGENCE_TIMEOUT = Duration.ofMinutes(5);
  private static final int RETRIES = 20;

  /** What to run. */
  public record Settings(Duration faults, long seed, int deployments, Path out, boolean leaderElection,
      Duration meanGap, Duration quiet, Duration fuzz) {}

  private final Settings settings;
  private final PrintStream out;
  private Instant t0;

  public ChaosRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  public ChaosReport run() throws Exception {
    t0 = Instant.now();
    List<ChaosDeployment> deployments = IntStream.range(0, settings.deployments()).mapToObj(ChaosDeployment::numbered).toList();
    List<FaultKind> kinds = FaultKind.injected(settings.leaderElection());
    List<ChaosSchedule.Entry> schedule =
        ChaosSchedule.plan(settings.seed(), settings.faults(), deployments.size(), kinds, settings.meanGap());
    say("seed " + settings.seed() + ": " + schedule.size() + " faults over " + settings.faults().toSeconds() + " s, "
        + deployments.size() + " deployments, " + (settings.leaderElection() ? "2 operators (leader election)" : "1 operator"));

    SimOptions options = SimOptions.defaults().withStartupDelay(Duration.ofSeconds(1)).withNodes(4)
        .withSeed(settings.seed()).withPropagation(SimOptions.Propagation.kubelet());
    try (SimCluster sim = SimCluster.start(options)) {
      Path kubeconfig = settings.out().resolve("kubeconfig");
      sim.writeKubeconfig(kubeconfig);
      KubernetesClient user = sim.newClient(InvariantChecker.CHAOS_USER_AGENT + "-user");
      FakeLiveKitServer liveKit = sim.liveKit(LIVEKIT_KEY, LIVEKIT_SECRET_VALUE);
      prepareNamespace(user, NAMESPACE);
      prepareNamespace(user, FUZZ_NAMESPACE);
      AgentDeploymentFactory factory = new AgentDeploymentFactory(NAMESPACE, liveKit.wsUrl(), DRAIN_TIMEOUT_SECONDS);

      try (OperatorFleet operators = new OperatorFleet(kubeconfig, settings.out(), settings.leaderElection());
          InvariantChecker checker = new InvariantChecker(sim, NAMESPACE, deployments, DRAIN_TIMEOUT_SECONDS)) {
        for (int i = 0; i < operators.size(); i++) {
          operators.start(i);
        }
        say("operator" + (operators.size() > 1 ? "s" : "") + " up; creating deployments");
        FaultInjector injector = new FaultInjector(sim, user, kubeconfig, NAMESPACE, deployments, operators, checker, factory);
        for (ChaosDeployment d : deployments) {
          checker.excuse(d.name(), Duration.ofSeconds(120), "created");
          user.resource(factory.create(d)).create();
        }
        awaitAllHealthy(user, deployments, Duration.ofSeconds(120));
        deployments.forEach(d -> checker.endExcuse(d.name(), "created"));
        for (ChaosDeployment d : deployments) {
          sim.calls(NAMESPACE, d.name(), CallProfile.uniform(1.5, Duration.ofSeconds(2), Duration.ofSeconds(15)));
        }
        say("all Healthy, calls flowing; faults start");

        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(checker::sample, 1, 1, TimeUnit.SECONDS);
        Instant windowEnd = runSchedule(schedule, injector);
        double faultTail = Duration.between(windowEnd, Instant.now()).toMillis() / 1000.0;
        say("faults stopped: " + injector.injected());

        restore(user, deployments, injector, checker, factory, operators);
        Instant stopped = Instant.now();
        List<String> reasons = awaitConvergence(checker, user);
        Double convergence = reasons.isEmpty() ? Duration.between(stopped, Instant.now()).toMillis() / 1000.0 : null;
        if (reasons.isEmpty()) {
          say(String.format("converged %.1f s after the faults stopped", convergence));
        } else {
          checker.record(new Violation(4, Instant.now(), "-", "deployments did not converge within " + CONVERGENCE_TIMEOUT,
              String.join("; ", reasons)));
          say("did NOT converge: " + reasons);
        }
        checker.stopSampling();
        sampler.shutdownNow();
        ChaosReport.Quiet quiet = quietWindow(sim, checker, deployments.size(), reasons.isEmpty());

        SpecFuzzResult fuzz = new SpecFuzzRun(sim, FUZZ_NAMESPACE, settings.seed()).run(settings.fuzz());
        say("spec fuzzing: " + fuzz.tried() + " specs, " + fuzz.failures().size() + " failures");
        fuzz.failures().forEach(f -> checker.record(new Violation(0, Instant.now(), FUZZ_NAMESPACE,
            "spec fuzzing: an invalid spec was not handled as InvalidSpec", f)));
        if (!operators.allAlive()) {
          checker.record(new Violation(4, Instant.now(), "-", "an operator process died by itself", "see the operator logs"));
        }

        Map<String, Long> cutCauses = checker.traceCutCalls();
        CallLedger ledger = sim.ledger();
        ChaosReport.Calls calls = new ChaosReport.Calls(ledger.started(), ledger.completed(), ledger.cut(),
            ledger.rejected(), ledger.live(), cutCauses, checker.traceUnserved());
        Map<String, Map<String, Long>> lies = checker.lieOutcomes();
        Map<FaultKind, Integer> injected = new LinkedHashMap<>();
        injector.injected().forEach((k, n) -> {
          if (kinds.contains(k)) {
            injected.put(k, n);
          }
        });
        List<FaultKind> notInjected = injected.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
        Map<String, Long> apiFaults = new TreeMap<>();
        sim.apiFaults().injected().forEach((k, n) -> apiFaults.put(k.name(), n));
        apiFaults.put("WATCHES_DROPPED", sim.apiFaults().watchesDropped());
        apiFaults.put("DELETION_EVENTS_LOST", sim.apiFaults().deletionEventsLost());
        return new ChaosReport(settings.seed(), settings.faults().toMillis() / 60_000.0, settings.leaderElection(),
            deployments.stream().map(d -> Map.of("name", d.name(), "source", d.source().label())).toList(),
            Duration.between(t0, Instant.now()).toMillis() / 1000.0, injected, apiFaults, notInjected, calls, lies,
            operators.restarts(), operators.exits(), faultTail, convergence, reasons, quiet, fuzz, checker.violations());
      }
    }
  }

  /** Each fault at its time, on a pool so a long one (a node drain) holds up no other; no target now: again in 3 s. */
  private Instant runSchedule(List<ChaosSchedule.Entry> schedule, FaultInjector injector) throws InterruptedException {
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "chaos-fault");
      t.setDaemon(true);
      return t;
    });
    Instant start = Instant.now();
    Instant end = start.plus(settings.faults());
    for (ChaosSchedule.Entry e : schedule) {
      long wait = Duration.between(Instant.now(), start.plus(e.at())).toMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      pool.submit(() -> {
        try {
          for (int attempt = 0; attempt < RETRIES && Instant.now().isBefore(end); attempt++) {
            if (injector.apply(e)) {
              log.info("fault {} on deployment {}", e.kind(), e.deployment());
              return;
            }
            Thread.sleep(3000);
          }
          log.info("fault {} found no target", e.kind());
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException ex) {
          log.warn("fault {} failed", e.kind(), ex);
        }
      });
    }
    long left = Duration.between(Instant.now(), end).toMillis();
    if (left > 0) {
      Thread.sleep(left);
    }
    pool.shutdown();
    if (!pool.awaitTermination(6, TimeUnit.MINUTES)) {
      pool.shutdownNow();
    }
    return end;
  }

  /**
   * After the faults: every worker fault cleared, every operator running, and each deployment as a
   * user leaves it (there, valid, not paused, promoting by itself).
   */
  private void restore(KubernetesClient user, List<ChaosDeployment> deployments, FaultInjector injector, InvariantChecker checker,
      AgentDeploymentFactory factory, OperatorFleet operators) throws IOException, InterruptedException {
    injector.clearWorkerFaults();
    for (int i = 0; i < operators.size(); i++) {
      if (!operators.alive(i)) {
        operators.start(i);
      }
    }
    for (ChaosDeployment d : deployments) {
      AgentDeployment current = injector.get(d);
      if (current == null) {
        checker.excuse(d.name(), Duration.ofSeconds(90), "the AgentDeployment recreated");
        user.resource(factory.create(d)).create();
        continue;
      }
      boolean valid = SpecValidator.validate(current.getSpec()).isEmpty();
      boolean needsBump = !valid || (current.getStatus() != null && current.getStatus().getPhase() == Phase.Aborted);
      injector.patchSpec(d, "{\"paused\":false,\"strategy\":{\"autoPromote\":true}"
          + (current.getSpec().getReplicas() == null || current.getSpec().getReplicas() < 0
              ? ",\"replicas\":" + factory.create(d).getSpec().getReplicas() : "") + "}");
      if (needsBump) {
        injector.bump(d, Map.of());
      }
    }
  }

  private List<String> awaitConvergence(InvariantChecker checker, KubernetesClient user) throws InterruptedException {
    Instant end = Instant.now().plus(CONVERGENCE_TIMEOUT);
    List<String> reasons = checker.notConverged(user);
    while (!reasons.isEmpty() && Instant.now().isBefore(end)) {
      Thread.sleep(1000);
      reasons = checker.notConverged(user);
    }
    return reasons;
  }

  /**
   * Invariant 5: with nothing changing but calls coming and going, the operator writes nothing but
   * the status' CALLS column, at most once a minute per deployment. (Leases are its leader election.)
   */
  private ChaosReport.Quiet quietWindow(SimCluster sim, InvariantChecker checker, int deployments, boolean converged)
      throws InterruptedException {
    Instant from = Instant.now();
    Thread.sleep(settings.quiet().toMillis());
    Instant to = Instant.now();
    List<RecordedCall> writes = sim.requests().all().stream()
        .filter(c -> c.isWrite() && c.userAgentStartsWith(RunCommand.USER_AGENT_PREFIX))
        .filter(c -> !c.at().isBefore(from) && c.at().isBefore(to))
        .filter(c -> !"leases".equals(c.resource()))
        .toList();
    long status = writes.stream().filter(c -> "agentdeployments".equals(c.resource()) && "status".equals(c.subresource())
        && NAMESPACE.equals(c.namespace())).count();
    Map<String, Long> other = new TreeMap<>();
    writes.stream().filter(c -> !("agentdeployments".equals(c.resource()) && "status".equals(c.subresource())))
        .forEach(c -> other.merge(c.verbAndResource(), 1L, Long::sum));
    long minutes = Math.max(1, (long) Math.ceil(settings.quiet().toMillis() / 60_000.0));
    long allowed = deployments * minutes;
    if (converged && (status > allowed || !other.isEmpty())) {
      checker.record(new Violation(5, to, "-", "the operator wrote while nothing changed",
          status + " status writes (allowed " + allowed + "), other writes " + other));
    }
    say("quiet " + settings.quiet().toSeconds() + " s: " + status + " status writes, other " + other);
    return new ChaosReport.Quiet(settings.quiet().toMillis() / 1000.0, status, allowed, other);
  }

  private void awaitAllHealthy(KubernetesClient user, List<ChaosDeployment> deployments, Duration within)
      throws InterruptedException {
    Instant end = Instant.now().plus(within);
    for (ChaosDeployment d : deployments) {
      while (true) {
        AgentDeployment a = user.resources(AgentDeployment.class).inNamespace(NAMESPACE).withName(d.name()).get();
        if (a != null && a.getStatus() != null && a.getStatus().getPhase() == Phase.Healthy) {
          break;
        }
        if (Instant.now().isAfter(end)) {
          throw new IllegalStateException(d.name() + " did not become Healthy before the faults: " + (a == null ? null : a.getStatus()));
        }
        Thread.sleep(250);
      }
    }
  }

  private static void prepareNamespace(KubernetesClient user, String namespace) {
    user.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    Base64.Encoder b64 = Base64.getEncoder();
    user.secrets().inNamespace(namespace).resource(new SecretBuilder()
        .withNewMetadata().withName(AgentDeploymentFactory.LIVEKIT_SECRET).withNamespace(namespace).endMetadata()
        .addToData("api-key", b64.encodeToString(LIVEKIT_KEY.getBytes(StandardCharsets.UTF_8)))
        .addToData("api-secret", b64.encodeToString(LIVEKIT_SECRET_VALUE.getBytes(StandardCharsets.UTF_8)))
        .build()).create();
  }

  private void say(String text) {
    out.printf("[%6.1fs] %s%n", Duration.between(t0, Instant.now()).toMillis() / 1000.0, text);
  }
}
