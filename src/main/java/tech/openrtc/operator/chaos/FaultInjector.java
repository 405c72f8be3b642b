package tech.openrtc.operator.chaos;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.cli.Main;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.ApiFaults;
import tech.openrtc.operator.sim.Fault;
import tech.openrtc.operator.sim.NodeDrain;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimWorker;

/**
 * Carries out one scheduled fault. Each returns false when it has no target right now (no worker
 * to crash, a node already being drained), and the run tries it again a little later; it counts
 * only faults that happened.
 */
final class FaultInjector {

  private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);
  private static final Duration UNPLANNED_EXCUSE = Duration.ofSeconds(90);

  private final SimCluster sim;
  private final KubernetesClient user;
  private final Path kubeconfig;
  private final String namespace;
  private final List<ChaosDeployment> deployments;
  private final OperatorFleet operators;
  private final InvariantChecker checker;
  private final AgentDeploymentFactory factory;
  private final Map<FaultKind, AtomicInteger> injected = new EnumMap<>(FaultKind.class);
  private final Map<String, ReentrantLock> userLocks = new ConcurrentHashMap<>();
  private final AtomicBoolean nodeBusy = new AtomicBoolean();
  private final ReentrantLock operatorLock = new ReentrantLock();
  private final AtomicInteger versions = new AtomicInteger(1);

  FaultInjector(SimCluster sim, KubernetesClient user, Path kubeconfig, String namespace,
      List<ChaosDeployment> deployments, OperatorFleet operators, InvariantChecker checker,
      AgentDeploymentFactory factory) {
    this.sim = sim;
    this.user = user;
    this.kubeconfig = kubeconfig;
    this.namespace = namespace;
    this.deployments = deployments;
    this.operators = operators;
    this.checker = checker;
    this.factory = factory;
    for (FaultKind k : FaultKind.values()) {
      injected.put(k, new AtomicInteger());
    }
  }

  Map<FaultKind, Integer> injected() {
    Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
    injected.forEach((k, v) -> counts.put(k, v.get()));
    return counts;
  }

  /** Carries out the fault; false if it had no target now (try again later). */
  boolean apply(ChaosSchedule.Entry e) throws InterruptedException {
    Random random = new Random(e.seed());
    ChaosDeployment d = deployments.get(e.deployment());
    boolean done = switch (e.kind()) {
      case OPERATOR_KILL -> restartOperator(random.nextInt(operators.size()), random);
      case LEADER_HANDOVER -> restartOperator(operators.leader(user), random);
      case API_500 -> api(ApiFaults.Kind.SERVER_ERROR, r -> true, 1 + random.nextInt(5));
      case API_409 -> api(ApiFaults.Kind.CONFLICT, ApiFaults.writes(), 1 + random.nextInt(5));
      case API_429 -> api(ApiFaults.Kind.TOO_MANY_REQUESTS, r -> true, 1 + random.nextInt(5));
      case API_SLOW -> api(ApiFaults.Kind.SLOW, r -> true, 1 + random.nextInt(5));
      case API_TIMEOUT -> api(ApiFaults.Kind.TIMEOUT, ApiFaults.writes(), 1);
      case WATCH_DROP -> sim.apiFaults().dropWatches(RunCommand.USER_AGENT_PREFIX) > 0;
      case WATCH_EVENT_LOST -> loseDeletionEvent(d, random);
      case WORKER_CRASH -> crash(d, random);
      case WORKER_HANG -> workerFault(d, random, Fault.HANG);
      case WORKER_GARBAGE -> workerFault(d, random, Fault.GARBAGE);
      case WORKER_LIE_ZERO -> lie(d, random);
      case WORKER_FLAP -> flap(d, random);
      case NODE_DRAIN -> disruptNode(random, false);
      case KARPENTER_TAINT -> disruptNode(random, true);
      case FORCED_DELETE -> forceDelete(d, random);
      default -> asUser(d, () -> userAction(e.kind(), d, random));
    };
    if (done) {
      injected.get(e.kind()).incrementAndGet();
    }
    return done;
  }

  // ---- the operator

  private boolean restartOperator(int index, Random random) throws InterruptedException {
    if (index < 0 || !operatorLock.tryLock()) {
      return false; // no leader right now, or a restart under way
    }
    try {
      operators.kill(index);
      Thread.sleep(1000 + random.nextInt(4000));
      operators.start(index);
      return true;
    } catch (java.io.IOException ex) {
      log.warn("restarting operator {}: {}", index, ex.getMessage());
      return true; // it was killed; the run checks all are alive at the end
    } finally {
      operatorLock.unlock();
    }
  }

  // ---- the API server

  private boolean api(ApiFaults.Kind kind, java.util.function.Predicate<tech.openrtc.operator.sim.RecordedCall> which, int times) {
    sim.apiFaults().inject(kind, RunCommand.USER_AGENT_PREFIX, which, times);
    return true;
  }

  private boolean loseDeletionEvent(ChaosDeployment d, Random random) {
    List<Pod> going = pods(d).stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null
        || "true".equals(p.getMetadata().getLabels().get(Names.LABEL_DRAINING))).toList();
    if (going.isEmpty()) {
      return false;
    }
    Pod p = going.get(random.nextInt(going.size()));
    sim.apiFaults().loseDeletionEvent("pods", namespace, p.getMetadata().getName());
    return true;
  }

  // ---- workers

  private boolean crash(ChaosDeployment d, Random random) {
    SimWorker w = worker(d, random);
    if (w == null) {
      return false;
    }
    checker.workerCrashed(w.podName());
    checker.excuse(d.name(), UNPLANNED_EXCUSE, "a worker crash");
    w.crash();
    return true;
  }

  private boolean workerFault(ChaosDeployment d, Random random, Fault fault) throws InterruptedException {
    SimWorker w = worker(d, random);
    if (w == null || w.fault() != Fault.NONE) {
      return false;
    }
    if (fault == Fault.LIE_ZERO) {
      checker.lieStarted(w.podName());
    }
    w.setFault(fault);
    long clearAfter = 5_000 + random.nextInt(35_000);
    Thread.sleep(clearAfter);
    clear(w);
    return true;
  }

  private void clear(SimWorker w) {
    if (w.fault() == Fault.LIE_ZERO) {
      checker.lieEnded(w.podName());
    }
    if (w.alive()) {
      w.setFault(Fault.NONE);
    }
  }

  /**
   * A busy worker claims 0, and a rollout starts so that it is drained while it lies: only a
   * second, independent count (LiveKit's, with crossCheck) can keep its calls from being cut.
   */
  private boolean lie(ChaosDeployment d, Random random) throws InterruptedException {
    SimWorker w = worker(d, random);
    if (w == null || w.fault() != Fault.NONE || w.activeCalls() == 0 || !"active".equals(w.role())) {
      return false;
    }
    checker.lieStarted(w.podName());
    w.setFault(Fault.LIE_ZERO);
    bump(d, Map.of());
    Thread.sleep(10_000 + random.nextInt(30_000));
    clear(w);
    return true;
  }

  /** Between refusing connections (unknown) and a count, every second for 10 s. */
  private boolean flap(ChaosDeployment d, Random random) throws InterruptedException {
    SimWorker w = worker(d, random);
    if (w == null || w.fault() != Fault.NONE) {
      return false;
    }
    for (int i = 0; i < 10 && w.alive(); i++) {
      w.setFault(i % 2 == 0 ? Fault.REFUSE : Fault.NONE);
      Thread.sleep(1000);
    }
    clear(w);
    return true;
  }

  /** Every worker fault cleared (the faults stop). */
  void clearWorkerFaults() {
    for (ChaosDeployment d : deployments) {
      for (SimWorker w : sim.kubelet().workers(namespace, d.name())) {
        if (w.fault() != Fault.NONE) {
          clear(w);
        }
      }
    }
  }

  /** A live worker of the deployment, most often an active one (a fault there matters at the next drain). */
  private SimWorker worker(ChaosDeployment d, Random random) {
    List<SimWorker> live = new ArrayList<>(sim.kubelet().workers(namespace, d.name()).stream()
        .filter(SimWorker::alive).filter(w -> !w.terminating()).toList());
    if (live.isEmpty()) {
      return null;
    }
    live.sort(java.util.Comparator.comparing(SimWorker::podName));
    List<SimWorker> active = live.stream().filter(w -> "active".equals(w.role())).toList();
    List<SimWorker> from = !active.isEmpty() && random.nextInt(4) > 0 ? active : live;
    return from.get(random.nextInt(from.size()));
  }

  // ---- nodes

  private boolean disruptNode(Random random, boolean karpenter) throws InterruptedException {
    List<String> withWorkers = sim.nodes().names().stream().filter(n -> sim.nodes().podsOn(n).stream()
        .anyMatch(p -> namespace.equals(p.getMetadata().getNamespace()))).sorted().toList();
    if (withWorkers.isEmpty() || !nodeBusy.compareAndSet(false, true)) {
      return false;
    }
    String node = withWorkers.get(random.nextInt(withWorkers.size()));
    try {
      NodeDrain drain = karpenter ? sim.nodes().karpenter(node) : sim.nodes().kubectlDrain(node, null);
      try {
        drain.done().get(5, TimeUnit.MINUTES);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ex) {
        drain.stop();
        checker.record(new Violation(6, Instant.now(), "-", "a node drain did not finish within 5 minutes",
            node + ": " + drain.evictionsRefused() + " evictions refused; pods left: "
                + sim.nodes().podsOn(node).stream().map(p -> p.getMetadata().getName()).toList()));
      }
      return true;
    } finally {
      if (karpenter) {
        sim.nodes().untaint(node, tech.openrtc.operator.sim.SimNodes.TAINT_KARPENTER);
      } else {
        sim.nodes().uncordon(node);
      }
      nodeBusy.set(false);
    }
  }

  private boolean forceDelete(ChaosDeployment d, Random random) {
    List<Pod> pods = pods(d).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    if (pods.isEmpty()) {
      return false;
    }
    Pod p = pods.get(random.nextInt(pods.size()));
    checker.podForceDeleted(p.getMetadata().getName());
    checker.excuse(d.name(), UNPLANNED_EXCUSE, "a forced delete");
    user.pods().inNamespace(namespace).withName(p.getMetadata().getName()).withGracePeriod(0).delete();
    return true;
  }

  private List<Pod> pods(ChaosDeployment d) {
    List<Pod> pods = new ArrayList<>(user.pods().inNamespace(namespace).withLabel(Names.LABEL_DEPLOYMENT, d.name())
        .list().getItems());
    pods.sort(java.util.Comparator.comparing(p -> p.getMetadata().getName()));
    return pods;
  }

  // ---- the user

  /** One user action at a time per deployment, as one person at a keyboard; a background bump waits for none. */
  private boolean asUser(ChaosDeployment d, ThrowingSupplier action) throws InterruptedException {
    ReentrantLock lock = userLocks.computeIfAbsent(d.name(), n -> new ReentrantLock());
    if (!lock.tryLock()) {
      return false;
    }
    try {
      return action.get();
    } catch (KubernetesClientException ex) {
      log.info("user action on {} failed: {}", d.name(), ex.getMessage());
      return false;
    } finally {
      lock.unlock();
    }
  }

  @FunctionalInterface
  private interface ThrowingSupplier {
    boolean get() throws InterruptedException;
  }

  private boolean userAction(FaultKind kind, ChaosDeployment d, Random random) throws InterruptedException {
    AgentDeployment current = get(d);
    if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    switch (kind) {
      case VERSION_BUMP -> bump(d, Map.of());
      case SCALE -> {
        int replicas = 1 + random.nextInt(4);
        if (current.getSpec().getReplicas() != null && replicas > current.getSpec().getReplicas()) {
          checker.excuse(d.name(), Duration.ofSeconds(60), "a scale-up"); // new pods take their start-up time
        }
        patchSpec(d, "{\"replicas\":" + replicas + "}");
      }
      case PAUSE_RESUME -> {
        kubectlAgents("rollout", "pause", d.name());
        bump(d, Map.of());
        Thread.sleep(3000 + random.nextInt(5000));
        kubectlAgents("rollout", "resume", d.name());
      }
      case PROMOTE -> {
        bump(d, Map.of("strategy", Map.of("autoPromote", false)));
        awaitPhase(d, Phase.AwaitingPromotion, Duration.ofSeconds(30));
        Thread.sleep(random.nextInt(4000));
        kubectlAgents("rollout", "promote", d.name());
        await(() -> phase(d) != Phase.AwaitingPromotion, Duration.ofSeconds(30));
        patchSpec(d, "{\"strategy\":{\"autoPromote\":true}}");
      }
      case ABORT -> {
        bump(d, Map.of("strategy", Map.of("autoPromote", false)));
        awaitPhase(d, Phase.AwaitingPromotion, Duration.ofSeconds(30));
        Thread.sleep(random.nextInt(4000));
        kubectlAgents("rollout", "abort", d.name());
        Thread.sleep(3000);
        bump(d, Map.of("strategy", Map.of("autoPromote", true)));
      }
      case UNDO_DURING_DRAIN -> {
        bump(d, Map.of());
        await(() -> pods(d).stream().anyMatch(p -> "true".equals(p.getMetadata().getLabels().get(Names.LABEL_DRAINING))),
            Duration.ofSeconds(30));
        kubectlAgents("rollout", "undo", d.name());
      }
      case INVALID_SPEC -> {
        Integer replicas = current.getSpec().getReplicas();
        boolean badReplicas = random.nextBoolean();
        patchSpec(d, badReplicas ? "{\"replicas\":-1}" : "{\"version\":\"not a version!\"}");
        Thread.sleep(3000 + random.nextInt(5000));
        if (badReplicas) {
          patchSpec(d, "{\"replicas\":" + (replicas == null ? 2 : replicas) + "}");
        } else {
          bump(d, Map.of());
        }
      }
      case DELETE_RECREATE -> {
        checker.excuse(d.name(), Duration.ofMinutes(4), "the AgentDeployment deleted (its pods drain)");
        user.resource(current).delete();
        if (!await(() -> get(d) == null, Duration.ofMinutes(3))) {
          checker.record(new Violation(4, Instant.now(), d.name(), "a deleted AgentDeployment was not gone within 3 minutes",
              "finalizers " + get(d).getMetadata().getFinalizers()));
          return true;
        }
        checker.excuse(d.name(), UNPLANNED_EXCUSE, "the AgentDeployment recreated");
        user.resource(factory.recreate(current)).create();
      }
      default -> throw new IllegalArgumentException(kind + " is not a user action");
    }
    return true;
  }

  /** A new version (and other spec fields) in one merge patch, as {@code kubectl patch --type merge}. */
  void bump(ChaosDeployment d, Map<String, Object> alsoSpec) {
    Map<String, Object> spec = new java.util.LinkedHashMap<>(alsoSpec);
    spec.put("version", "c" + versions.incrementAndGet());
    patchSpec(d, io.fabric8.kubernetes.client.utils.Serialization.asJson(spec));
  }

  void patchSpec(ChaosDeployment d, String specJson) {
    user.resources(AgentDeployment.class).inNamespace(namespace).withName(d.name())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
  }

  AgentDeployment get(ChaosDeployment d) {
    return user.resources(AgentDeployment.class).inNamespace(namespace).withName(d.name()).get();
  }

  private Phase phase(ChaosDeployment d) {
    AgentDeployment a = get(d);
    return a == null || a.getStatus() == null ? null : a.getStatus().getPhase();
  }

  private boolean awaitPhase(ChaosDeployment d, Phase phase, Duration within) throws InterruptedException {
    return await(() -> phase(d) == phase, within);
  }

  private static boolean await(BooleanSupplier condition, Duration within) throws InterruptedException {
    Instant end = Instant.now().plus(within);
    while (Instant.now().isBefore(end)) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(250);
    }
    return false;
  }

  /** {@code kubectl agents ...}, as the user types it; its output is kept out of the run's. */
  int kubectlAgents(String... args) {
    List<String> all = new ArrayList<>(List.of("agents"));
    all.addAll(List.of(args));
    all.addAll(List.of("-n", namespace, "--kubeconfig", kubeconfig.toString()));
    StringWriter out = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(out), all.toArray(String[]::new));
    log.debug("kubectl {} -> {}: {}", all, code, out);
    return code;
  }
}
