package tech.openrtc.operator.chaos;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Controllers;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.CallLedger;
import tech.openrtc.operator.sim.CallRecord;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimWorker;

/**
 * Watches a chaos run from outside the operator, through what a cluster shows anyone: its own
 * watch of pods and AgentDeployments, the simulated kubelet's call ledger, and the API server's
 * request log. It never asks the operator anything.
 *
 * <ul>
 *   <li>Invariant 3 (a drain mark is never lost) on every pod update its watch sees.
 *   <li>Invariants 2 and 6 (capacity first) every second: each deployment's workers taking calls (as
 *       the simulated kubelet runs them: ready, active by their podinfo, not draining) are at least
 *       {@code spec.replicas}, except for a while after an unplanned fault, a scale-up or a
 *       (re)creation, which the run declares; and every call that found no worker is traced.
 *   <li>Invariants 1 and 6 (no call cut by a planned removal) at the end, call by call: each cut call
 *       is traced to what removed its pod.
 * </ul>
 * Invariants 4 and 5 (convergence, then no writes) are checked by {@link ChaosRun} with
 * {@link #notConverged}.
 */
public final class InvariantChecker implements AutoCloseable {

  static final String CHAOS_USER_AGENT = "openrtc-chaos";
  /** A dip in capacity must be seen in this many samples in a row (the two watches may be a moment apart). */
  private static final int DIP_SAMPLES = 2;

  private final SimCluster sim;
  private final String namespace;
  private final Map<String, ChaosDeployment> deployments;
  private final long drainTimeoutSeconds;
  private final KubernetesClient client;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<AgentDeployment> agentDeployments;
  private final List<Violation> violations = new CopyOnWriteArrayList<>();
  private final Map<String, PodFacts> facts = new ConcurrentHashMap<>();
  /** Stretches in which a deployment may run below its replicas, and why. */
  private record Excuse(String deployment, Instant from, Instant until, String why) {}

  private final List<Excuse> excuses = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> dips = new ConcurrentHashMap<>();
  private volatile boolean sampling = true;

  /** What the checker learned about one pod over the run. */
  private static final class PodFacts {
    volatile String deployment;
    volatile Instant drainDeadline;
    volatile Instant drainStarted;
    volatile Instant crashedAt;
    volatile Instant forceDeletedAt;
    final List<Instant[]> lies = new CopyOnWriteArrayList<>();

    boolean lyingAt(Instant t) {
      return lies.stream().anyMatch(l -> !t.isBefore(l[0]) && (l[1] == null || !t.isAfter(l[1])));
    }
  }

  InvariantChecker(SimCluster sim, String namespace, List<ChaosDeployment> deployments, long drainTimeoutSeconds) {
    this.sim = sim;
    this.namespace = namespace;
    this.deployments = deployments.stream().collect(Collectors.toMap(ChaosDeployment::name, d -> d));
    this.drainTimeoutSeconds = drainTimeoutSeconds;
    this.client = sim.newClient(CHAOS_USER_AGENT + "-checker");
    this.pods = client.pods().inNamespace(namespace).inform(new PodWatch(), 0);
    this.agentDeployments = client.resources(AgentDeployment.class).inNamespace(namespace).inform();
  }

  // ---- what the run tells the checker (faults it injected on purpose)

  void workerCrashed(String pod) {
    facts(pod).crashedAt = Instant.now();
  }

  void podForceDeleted(String pod) {
    facts(pod).forceDeletedAt = Instant.now();
  }

  void lieStarted(String pod) {
    facts(pod).lies.add(new Instant[] {Instant.now(), null});
  }

  void lieEnded(String pod) {
    facts(pod).lies.stream().filter(l -> l[1] == null).forEach(l -> l[1] = Instant.now());
  }

  /**
   * The deployment may run below its replicas for a while: an unplanned fault, or a user action
   * that needs new pods or removes them all (a scale-up, a deletion).
   */
  void excuse(String deployment, Duration forHowLong, String why) {
    Instant now = Instant.now();
    excuses.add(new Excuse(deployment, now, now.plus(forHowLong), why));
  }

  /** Ends the deployment's excuses given for this reason now (e.g. "created", once it is Healthy). */
  void endExcuse(String deployment, String why) {
    Instant now = Instant.now();
    for (Excuse e : excuses) {
      if (e.deployment().equals(deployment) && e.why().equals(why) && e.until().isAfter(now)) {
        excuses.remove(e);
        excuses.add(new Excuse(e.deployment(), e.from(), now, e.why()));
      }
    }
  }

  /** The latest excuse of the deployment that covers {@code t}. */
  private java.util.Optional<Excuse> excuseAt(String deployment, Instant t) {
    return excuses.stream().filter(e -> e.deployment().equals(deployment) && !t.isBefore(e.from()) && t.isBefore(e.until()))
        .max(Comparator.comparing(Excuse::from));
  }

  /** Stops the capacity samples (from the end of the faults on, convergence is what counts). */
  void stopSampling() {
    sampling = false;
  }

  public List<Violation> violations() {
    List<Violation> all = new ArrayList<>(violations);
    all.sort(Comparator.comparing(Violation::at));
    return all;
  }

  void record(Violation v) {
    violations.add(v);
  }

  private PodFacts facts(String pod) {
    return facts.computeIfAbsent(pod, p -> new PodFacts());
  }

  // ---- invariant 3: a drain mark is never lost

  private final class PodWatch implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      remember(pod);
    }

    @Override
    public void onUpdate(Pod before, Pod after) {
      remember(after);
      if (marked(before) && !marked(after)) {
        record(new Violation(3, Instant.now(), deploymentOf(after), "a draining pod lost its drain mark",
            after.getMetadata().getName() + ": labels " + after.getMetadata().getLabels() + ", drain annotation "
                + annotations(after).get(Names.ANNOTATION_DRAIN) + " (was " + before.getMetadata().getLabels() + ")"));
      }
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
      remember(pod);
    }
  }

  private void remember(Pod pod) {
    PodFacts f = facts(pod.getMetadata().getName());
    f.deployment = deploymentOf(pod);
    if (f.drainStarted == null && marked(pod)) {
      f.drainStarted = Instant.now();
    }
    String deadline = annotations(pod).get(Names.ANNOTATION_DRAIN_DEADLINE);
    if (deadline != null) {
      try {
        f.drainDeadline = Instant.parse(deadline);
      } catch (DateTimeParseException e) {
        record(new Violation(3, Instant.now(), f.deployment, "a drain deadline that is not RFC 3339",
            pod.getMetadata().getName() + ": " + deadline));
      }
    }
  }

  private static boolean marked(Pod p) {
    return "true".equals(labels(p).get(Names.LABEL_DRAINING)) || "true".equals(annotations(p).get(Names.ANNOTATION_DRAIN));
  }

  // ---- invariants 2 and 6: accepting workers never below replicas

  /** One capacity sample of every deployment; the run calls it every second. */
  void sample() {
    if (!sampling) {
      return;
    }
    Instant now = Instant.now();
    for (String name : deployments.keySet()) {
      AgentDeployment d = agentDeployments.getStore().getByKey(namespace + "/" + name);
      if (d == null || d.getMetadata().getDeletionTimestamp() != null || d.getSpec() == null
          || excuseAt(name, now).isPresent()) {
        dips.remove(name);
        continue;
      }
      int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      // Ground truth: what the workers themselves do (ready, their podinfo says active, not draining).
      List<SimWorker> workers = sim.kubelet().workers(namespace, name).stream().sorted(
          Comparator.comparing(SimWorker::podName)).toList();
      long accepting = workers.stream().filter(SimWorker::accepting).count();
      if (accepting >= desired) {
        dips.remove(name);
        continue;
      }
      if (dips.merge(name, 1, Integer::sum) == DIP_SAMPLES) {
        List<Pod> mine = pods.getStore().list().stream().filter(p -> name.equals(deploymentOf(p))).toList();
        record(new Violation(accepting == 0 ? 2 : 6, now, name,
            "workers taking calls below spec.replicas with no unplanned fault to explain it",
            accepting + " accepting of " + desired + "; workers: " + workers.stream()
                .map(w -> w.podName() + "[" + w.role() + (w.accepting() ? ",accepting" : "") + (w.ready() ? ",ready" : "")
                    + (w.draining() ? ",draining" : "") + "]").collect(Collectors.joining(", "))
                + "; pods as the API shows them: " + mine.stream().map(InvariantChecker::describe)
                .collect(Collectors.joining(", ")) + "; removed by: " + removers(mine)));
      }
    }
  }

  /** Who asked for each terminating pod's removal (User-Agent, eviction or DELETE, when), from the request log. */
  private String removers(List<Pod> pods) {
    List<String> terminating = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null)
        .map(p -> p.getMetadata().getName()).toList();
    if (terminating.isEmpty()) {
      return "-";
    }
    List<String> found = new ArrayList<>();
    for (RecordedCall c : sim.requests().all()) {
      if ("pods".equals(c.resource()) && terminating.contains(c.name()) && namespace.equals(c.namespace())
          && ("DELETE".equals(c.method()) || "eviction".equals(c.subresource()))) {
        found.add(c.name() + " " + c.verb() + (c.subresource() == null ? "" : "/" + c.subresource()) + " by "
            + c.userAgent() + " at " + c.at());
      }
    }
    return found.toString();
  }

  private static boolean accepting(Pod p) {
    return "active".equals(labels(p).get(Names.LABEL_ROLE)) && !marked(p)
        && p.getMetadata().getDeletionTimestamp() == null && ready(p);
  }

  private static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String describe(Pod p) {
    return p.getMetadata().getName() + "[" + labels(p).get(Names.LABEL_ROLE) + (marked(p) ? ",draining" : "")
        + (ready(p) ? ",ready" : ",not-ready") + (p.getMetadata().getDeletionTimestamp() != null ? ",terminating" : "") + "]";
  }

  // ---- invariants 1 and 6: what removed the pod of every cut call

  /** How many cut calls had each cause; violations for the causes that are the operator's fault. */
  Map<String, Long> traceCutCalls() {
    Map<String, PodDeletion> firstDeletion = firstDeletions();
    Map<String, String> deleter = new ConcurrentHashMap<>();
    for (RecordedCall c : sim.requests().all()) {
      if ("DELETE".equals(c.method()) && "pods".equals(c.resource()) && c.subresource() == null && c.name() != null
          && Objects.equals(c.namespace(), namespace)) {
        deleter.putIfAbsent(c.name(), String.valueOf(c.userAgent()));
      }
    }
    Map<String, Long> causes = new TreeMap<>();
    Map<String, String> causeByPod = new ConcurrentHashMap<>();
    // Every busy pod the operator deleted, whether or not its calls then ended in time.
    for (PodDeletion d : firstDeletion.values()) {
      if (!d.eviction() && d.liveCallsAtRequest() > 0 && namespace.equals(d.namespace())
          && deleter.getOrDefault(d.name(), "").startsWith(RunCommand.USER_AGENT_PREFIX)) {
        causeByPod.put(d.name(), operatorDeletion(d));
      }
    }
    for (CallRecord r : sim.ledger().records()) {
      if (r.outcome() != CallRecord.Outcome.CUT || !namespace.equals(r.call().namespace())) {
        continue;
      }
      String pod = r.call().pod();
      String cause = causeByPod.computeIfAbsent(pod, p -> cutCause(p, firstDeletion.get(p), deleter.get(p), r));
      causes.merge(cause, 1L, Long::sum);
    }
    return causes;
  }

  private String cutCause(String pod, PodDeletion deletion, String userAgent, CallRecord r) {
    PodFacts f = facts(pod);
    if (f.crashedAt != null) {
      return "unplanned: worker crash";
    }
    if (f.forceDeletedAt != null) {
      return "unplanned: forced delete";
    }
    String deployment = Objects.requireNonNullElse(f.deployment, r.call().deployment());
    if (deletion == null) {
      record(new Violation(1, r.end(), deployment, "a call was cut on a pod nobody deleted and no fault crashed",
          "call " + r.call().id() + " on " + pod + " cut at " + r.end()));
      return "VIOLATION: no cause";
    }
    if (deletion.eviction()) {
      record(new Violation(6, deletion.at(), deployment, "a planned disruption (an eviction) cut a call",
          pod + " evicted at " + deletion.at() + " holding " + deletion.liveCallsAtRequest() + " calls"));
      return "VIOLATION: evicted while busy";
    }
    if (userAgent != null && userAgent.startsWith(RunCommand.USER_AGENT_PREFIX)) {
      return operatorDeletion(deletion);
    }
    record(new Violation(1, deletion.at(), deployment, "a call was cut on a pod deleted by an unexpected client",
        pod + " deleted by " + userAgent + " at " + deletion.at()));
    return "VIOLATION: deleted by " + userAgent;
  }

  /**
   * Every call that found no worker taking calls, by what explains it: a declared unplanned fault or
   * user action on its deployment at that moment, else a violation (capacity first, invariant 2).
   */
  Map<String, Long> traceUnserved() {
    Map<String, Long> causes = new TreeMap<>();
    for (CallLedger.Rejection r : sim.ledger().rejections()) {
      if (!namespace.equals(r.namespace())) {
        continue;
      }
      var excuse = excuseAt(r.deployment(), r.at());
      if (excuse.isPresent()) {
        causes.merge("during recovery from: " + excuse.get().why(), 1L, Long::sum);
      } else {
        causes.merge("VIOLATION: no worker taking calls, nothing to explain it", 1L, Long::sum);
        record(new Violation(2, r.at(), r.deployment(), "a call found no worker taking calls, with no unplanned fault"
            + " or user action to explain it", "workers then: " + sim.kubelet().workers(namespace, r.deployment()).size()
            + " (now); see the capacity samples around " + r.at()));
      }
    }
    return causes;
  }

  /** Why the operator deleted a pod that held calls, or a violation of invariant 1. */
  private String operatorDeletion(PodDeletion d) {
    PodFacts f = facts(d.name());
    ChaosDeployment deployment = deployments.get(f.deployment);
    String name = f.deployment == null ? "-" : f.deployment;
    if (deployment != null && deployment.source() == ChaosDeployment.Source.SIGNAL) {
      if (d.gracePeriodSeconds() != null && d.gracePeriodSeconds() >= drainTimeoutSeconds) {
        return "counted: Signal drain outlived its grace period (" + d.gracePeriodSeconds() + " s)";
      }
      record(new Violation(1, d.at(), name, "a Signal-drained pod deleted with a grace period below timeoutSeconds",
          d.name() + " deleted with gracePeriodSeconds " + d.gracePeriodSeconds() + " < " + drainTimeoutSeconds));
      return "VIOLATION: Signal grace too short";
    }
    if (f.drainDeadline != null && !d.at().isBefore(f.drainDeadline.minusMillis(500))) {
      return "counted: drain deadline passed (onTimeout Terminate)";
    }
    if (f.lyingAt(d.at()) && (deployment == null || !deployment.source().seesLyingWorker())) {
      return "unseeable: worker reported 0 while busy (" + (deployment == null ? "?" : deployment.source().label()) + ")";
    }
    List<Instant> callStarts = sim.ledger().records().stream().filter(r -> d.name().equals(r.call().pod())
        && !r.call().start().isAfter(d.at()) && (r.end() == null || r.end().isAfter(d.at()))).map(r -> r.call().start()).toList();
    record(new Violation(1, d.at(), name, "the operator deleted a pod that held calls before its drain deadline",
        d.name() + " deleted at " + d.at() + " with " + d.liveCallsAtRequest() + " live calls (started " + callStarts
            + "); drain marked (as the checker saw it) " + f.drainStarted + ", deadline " + f.drainDeadline
            + (f.lyingAt(d.at()) ? "; the worker lied, but this source can see it" : "")));
    return "VIOLATION: busy pod deleted before its deadline";
  }

  /**
   * What became of each worker that claimed 0 while it held calls, by in-flight source: deleted
   * while busy (the source could not see the lie), kept while it lied though drained (seen), or
   * never drained while it lied.
   */
  Map<String, Map<String, Long>> lieOutcomes() {
    Map<String, PodDeletion> firstDeletion = firstDeletions();
    Map<String, Long> cutByPod = sim.ledger().records().stream().filter(r -> r.outcome() == CallRecord.Outcome.CUT)
        .collect(Collectors.groupingBy(r -> r.call().pod(), Collectors.counting()));
    Map<String, Map<String, Long>> outcomes = new TreeMap<>();
    facts.forEach((pod, f) -> {
      ChaosDeployment d = f.deployment == null ? null : deployments.get(f.deployment);
      for (Instant[] lie : f.lies) {
        Instant end = lie[1] == null ? Instant.now() : lie[1];
        PodDeletion deletion = firstDeletion.get(pod);
        String outcome;
        if (deletion != null && !deletion.at().isBefore(lie[0]) && !deletion.at().isAfter(end)
            && deletion.liveCallsAtRequest() > 0) {
          long cut = cutByPod.getOrDefault(pod, 0L);
          String then = cut == 0 ? "its calls ended in the grace period (SIGTERM drain)" : cut + " calls cut";
          outcome = d != null && d.source() == ChaosDeployment.Source.SIGNAL
              ? "deleted at drain start (Signal trigger): " + then : "not seen: deleted while busy; " + then;
        } else if (f.drainStarted != null && f.drainStarted.isBefore(end)) {
          outcome = "seen: drained, kept while it lied";
        } else {
          outcome = "not drained while it lied";
        }
        outcomes.computeIfAbsent(d == null ? "?" : d.source().label(), k -> new TreeMap<>()).merge(outcome, 1L, Long::sum);
      }
    });
    return outcomes;
  }

  /** Each pod's first deletion (a DELETE or an eviction), by pod name: pod names are not reused. */
  private Map<String, PodDeletion> firstDeletions() {
    Map<String, PodDeletion> first = new java.util.HashMap<>();
    sim.requests().podDeletions().stream().filter(d -> !d.repeat()).forEach(d -> first.putIfAbsent(d.name(), d));
    return first;
  }

  // ---- invariant 4: convergence

  /**
   * Why the deployments have not converged yet (empty once they have): each Healthy at its spec,
   * observed, with exactly {@code replicas} ready pods of the active revision and no other pod, at
   * most one credential Secret per live revision, its membership ConfigMap, at most
   * {@code revisionHistoryLimit} ControllerRevisions besides the live one, its own
   * PodDisruptionBudget at {@code minAvailable: replicas}, nothing a deleted predecessor of the same
   * name owned, and no pod of a deployment that is gone.
   */
  List<String> notConverged(KubernetesClient user) {
    List<String> reasons = new ArrayList<>();
    List<Pod> allPods = user.pods().inNamespace(namespace).list().getItems();
    var secrets = user.secrets().inNamespace(namespace).list().getItems();
    var configMaps = user.configMaps().inNamespace(namespace).list().getItems();
    var revisions = user.apps().controllerRevisions().inNamespace(namespace).list().getItems();
    var budgets = user.policy().v1().podDisruptionBudget().inNamespace(namespace).list().getItems();
    for (String name : deployments.keySet()) {
      AgentDeployment d = user.resources(AgentDeployment.class).inNamespace(namespace).withName(name).get();
      if (d == null || d.getStatus() == null) {
        reasons.add(name + ": no status");
        continue;
      }
      var s = d.getStatus();
      int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      if (!Objects.equals(d.getMetadata().getGeneration(), s.getObservedGeneration())) {
        reasons.add(name + ": generation " + d.getMetadata().getGeneration() + " not observed (" + s.getObservedGeneration() + ")");
      }
      if (s.getPhase() == null || !"Healthy".equals(s.getPhase().name())
          || !Objects.equals(d.getSpec().getVersion(), s.getActiveVersion())) {
        reasons.add(name + ": " + s.getPhase() + " at " + s.getActiveVersion() + ", spec " + d.getSpec().getVersion());
      }
      List<Pod> mine = allPods.stream().filter(p -> name.equals(deploymentOf(p))).toList();
      long good = mine.stream().filter(p -> Objects.equals(labels(p).get(Names.LABEL_REVISION), s.getActiveRevision())
          && accepting(p)).count();
      if (good != replicas || mine.size() != replicas) {
        reasons.add(name + ": " + mine.size() + " pods, " + good + " accepting of the active revision, want " + replicas
            + " (" + mine.stream().map(InvariantChecker::describe).collect(Collectors.joining(", ")) + ")");
      }
      long credentials = secrets.stream().filter(x -> x.getMetadata().getName().startsWith(name + "-")
          && x.getMetadata().getName().endsWith("-credential")).count();
      if (credentials > 1) {
        reasons.add(name + ": " + credentials + " credential Secrets for 1 live revision");
      }
      if (configMaps.stream().noneMatch(c -> c.getMetadata().getName().equals(name + "-membership"))) {
        reasons.add(name + ": no membership ConfigMap");
      }
      int limit = d.getSpec().getRevisionHistoryLimit() == null ? 10 : d.getSpec().getRevisionHistoryLimit();
      long kept = revisions.stream().filter(r -> name.equals(labels(r.getMetadata().getLabels()).get(Names.LABEL_DEPLOYMENT))).count();
      if (kept > limit + 1) { // the live revision, and revisionHistoryLimit old ones (as a Deployment's ReplicaSets)
        reasons.add(name + ": " + kept + " ControllerRevisions, revisionHistoryLimit " + limit + " + the live one");
      }
      String uid = d.getMetadata().getUid();
      var budget = budgets.stream().filter(b -> b.getMetadata().getName().equals(name)).findFirst();
      if (budget.isEmpty() || !uid.equals(Controllers.uid(budget.get()))) {
        reasons.add(name + ": no PodDisruptionBudget of its own"
            + budget.map(b -> " (one controlled by " + Controllers.uid(b) + ")").orElse(""));
      } else if (!Objects.equals(budget.get().getSpec().getMinAvailable().getIntVal(), replicas)) {
        reasons.add(name + ": budget minAvailable " + budget.get().getSpec().getMinAvailable() + ", want " + replicas);
      }
      // What a deleted predecessor of the same name owned is gone (the operator or the collector).
      long leftovers = java.util.stream.Stream.of(secrets, configMaps, revisions, budgets).flatMap(List::stream)
          .filter(o -> name.equals(labels(o.getMetadata().getLabels()).get(Names.LABEL_DEPLOYMENT)))
          .filter(o -> Controllers.uid(o) != null && !uid.equals(Controllers.uid(o))).count();
      if (leftovers > 0) {
        reasons.add(name + ": " + leftovers + " objects controlled by a deleted AgentDeployment of the same name");
      }
    }
    allPods.stream().filter(p -> deploymentOf(p) != null && !deployments.containsKey(deploymentOf(p)))
        .forEach(p -> reasons.add("stray pod " + p.getMetadata().getName()));
    return reasons;
  }

  // ----

  private static String deploymentOf(Pod p) {
    return labels(p).get(Names.LABEL_DEPLOYMENT);
  }

  private static Map<String, String> labels(Pod p) {
    return labels(p.getMetadata().getLabels());
  }

  private static Map<String, String> labels(Map<String, String> labels) {
    return labels == null ? Map.of() : labels;
  }

  private static Map<String, String> annotations(Pod p) {
    return p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations();
  }

  @Override
  public void close() {
    pods.close();
    agentDeployments.close();
  }
}
