package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;

/**
 * The simulated kubelet of every node: it runs every pod bound to a node (spec.nodeName, set by
 * {@link SimScheduler} or by the pod's creator) as a {@link SimWorker} on its own loopback IP, reports pod status through the pods/status subresource, and emulates graceful
 * termination with a finalizer (the mock server has no kubelet, so without the finalizer a
 * DELETE would remove the pod at once).
 *
 * <p>Every pod is treated as {@code restartPolicy: Never}: a crashed worker leaves its pod
 * {@code Failed} and is not restarted (the operator replaces failed pods itself).
 *
 * <p>A pod that mounts a Secret at {@value Names#CREDENTIAL_DIR} or a ConfigMap at
 * {@value Names#MEMBERSHIP_DIR} gets those files, kept current (see {@link SimVolumes}), and its
 * worker takes calls only while they make it an active member ({@link SimWorker#membership()}).
 */
public final class SimKubelet implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimKubelet.class);

  /** Holds a deleted pod until its worker has exited (graceful termination). */
  public static final String FINALIZER = "sim.openrtc.tech/kubelet";
  /** Per-pod startup delay in milliseconds, overriding {@link SimOptions#startupDelay()}. */
  public static final String ANNOTATION_STARTUP_DELAY_MS = "sim.openrtc.tech/startup-delay-ms";
  /** {@code "true"}: the pod runs but never becomes Ready (and its worker never accepts calls). */
  public static final String ANNOTATION_NEVER_READY = "sim.openrtc.tech/never-ready";
  /**
   * Fault at worker start: {@code crash-after-ms:N} (crash N ms after the worker starts),
   * {@code hang}, {@code garbage}, {@code refuse}, {@code lie-zero}, {@code float}, {@code omit-field}.
   */
  public static final String ANNOTATION_FAULT = "sim.openrtc.tech/fault";
  /** {@code "annotation"}: the worker writes {@link Names#ANNOTATION_IN_FLIGHT} on its pod. */
  public static final String ANNOTATION_REPORT_IN_FLIGHT = "sim.openrtc.tech/report-in-flight";

  public static final String USER_AGENT = "openrtc-sim-kubelet";
  static final long DEFAULT_GRACE_SECONDS = 30;
  private static final String CRASH_AFTER_MS = "crash-after-ms:";
  private static final int BIND_ATTEMPTS = 32;

  private enum Phase { PENDING, RUNNING, FAILED }

  private final SimRuntime rt;
  private final KubernetesClient client;
  private final IpAllocator ips = IpAllocator.anywhere(Duration.ofSeconds(30));
  /** Pods this kubelet runs, by uid (a name can come back as a new pod). */
  private final Map<String, PodState> pods = new ConcurrentHashMap<>();
  /** The newest pod of each namespace/name that has a worker, so a lookup by name costs no scan. */
  private final Map<String, PodState> byName = new ConcurrentHashMap<>();
  /** Workers by namespace/deployment label, for call routing without a scan of every pod. */
  private final Map<String, Set<SimWorker>> byDeployment = new ConcurrentHashMap<>();
  private volatile SharedIndexInformer<Pod> informer;
  private final SimVolumes volumes;

  SimKubelet(SimRuntime rt, KubernetesClient client) {
    this.rt = rt;
    this.client = client;
    this.volumes = new SimVolumes(client);
  }

  void start() {
    // Secrets and ConfigMaps first: a pod seen at start then finds its volumes' content listed.
    volumes.start(this::volumeChanged);
    informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        observe(pod);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod pod) {
        observe(pod);
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        removed(pod);
      }
    }, 0);
  }

  // ---- public view

  public Optional<SimWorker> worker(String namespace, String podName) {
    PodState s = byName.get(key(namespace, podName));
    return s == null ? Optional.empty() : Optional.ofNullable(s.worker);
  }

  /** Workers of the pods labelled with this deployment that still exist (alive or not). */
  public Set<SimWorker> workers(String namespace, String deployment) {
    Set<SimWorker> w = byDeployment.get(key(namespace, deployment));
    return w == null ? Set.of() : Collections.unmodifiableSet(w);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** Its worker is running: it can be found by name and by deployment. */
  private void index(PodState s) {
    byName.merge(key(s.namespace, s.name), s, (old, now) -> old.created.isAfter(now.created) ? old : now);
    if (s.worker.deployment() != null) {
      byDeployment.computeIfAbsent(key(s.namespace, s.worker.deployment()), k -> ConcurrentHashMap.newKeySet())
          .add(s.worker);
    }
  }

  private void unindex(PodState s) {
    if (s.worker == null) {
      return;
    }
    if (byName.remove(key(s.namespace, s.name), s)) {
      // Another pod of that name may still be there (an older one terminating): it is the one now.
      pods.values().stream()
          .filter(o -> o.namespace.equals(s.namespace) && o.name.equals(s.name) && o.worker != null)
          .max(Comparator.comparing(o -> o.created))
          .ifPresent(this::index);
    }
    if (s.worker.deployment() != null) {
      byDeployment.computeIfPresent(key(s.namespace, s.worker.deployment()), (k, set) -> {
        set.remove(s.worker);
        return set.isEmpty() ? null : set;
      });
    }
  }

  /** Workers of all pods that still exist (alive or not). */
  public List<SimWorker> workers() {
    List<SimWorker> out = new ArrayList<>();
    for (PodState s : pods.values()) {
      if (s.worker != null) {
        out.add(s.worker);
      }
    }
    return out;
  }

  // ---- pod events (informer thread; the API writes go to the io pool)

  private void observe(Pod pod) {
    String uid = pod.getMetadata().getUid();
    boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
    PodState s = pods.get(uid);
    if (s != null) {
      s.lastSeen = pod;
    }
    if (s == null) {
      if (deleting) {
        // Never ran here (e.g. left over by an earlier kubelet): nothing to wait for.
        PodState orphan = new PodState(pod);
        orphan.enqueue(() -> removeFinalizer(orphan));
        return;
      }
      if (pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
        return; // not scheduled yet: no kubelet runs it (SimScheduler binds it)
      }
      s = new PodState(pod);
      pods.put(uid, s);
      startPod(s, pod);
      return;
    }
    if (s.worker != null) {
      showPodInfo(s, pod);
    }
    if (deleting) {
      beginTermination(s, pod);
    }
  }

  private void removed(Pod pod) {
    PodState s = pods.remove(pod.getMetadata().getUid());
    if (s == null) {
      return;
    }
    synchronized (s) {
      s.gone = true;
      s.cancelTimers();
    }
    unindex(s);
    if (s.worker != null) {
      // Removed while its process still ran (finalizer taken away, or never added): live calls are cut.
      s.worker.kill();
    }
    if (s.ip != null) {
      ips.free(s.ip);
    }
    rt.requests.forget(s.uid);
  }

  private void startPod(PodState s, Pod pod) {
    Map<String, String> labels = orEmpty(pod.getMetadata().getLabels());
    Map<String, String> annotations = orEmpty(pod.getMetadata().getAnnotations());
    List<Container> containers = pod.getSpec() == null ? List.of() : orEmpty(pod.getSpec().getContainers());
    List<EnvVar> env = containers.isEmpty() ? List.of() : orEmpty(containers.get(0).getEnv());
    String version = envOr(env, Names.ENV_DEPLOYMENT_VERSION, labels.get(Names.LABEL_VERSION));
    String revision = envOr(env, Names.ENV_REVISION, labels.get(Names.LABEL_REVISION));
    String agentName = envOr(env, Names.ENV_AGENT_NAME, null);
    String deployment = labels.get(Names.LABEL_DEPLOYMENT);

    String fault = annotations.getOrDefault(ANNOTATION_FAULT, "");
    SimWorker worker = null;
    for (int attempt = 0; attempt < BIND_ATTEMPTS && worker == null; attempt++) {
      InetAddress ip = ips.allocate();
      SimWorker candidate = new SimWorker(rt, s.namespace, s.name, deployment, version, revision,
          agentName, ip, rt.options.workerPort(), (w, reason) -> workerExited(s, reason));
      Fault.parse(fault).ifPresent(candidate::setFault);
      try {
        candidate.start();
        worker = candidate;
        s.ip = ip;
      } catch (IOException e) {
        // Address taken (another sim on this machine): that address is simply never used here.
        log.debug("{}:{} is taken, trying the next address", ip.getHostAddress(), rt.options.workerPort());
      }
    }
    if (worker == null) {
      log.error("no free loopback address for pod {}/{} on port {}", s.namespace, s.name, rt.options.workerPort());
      return;
    }
    s.worker = worker;
    index(s);
    if (s.mounts != null) {
      refreshVolumes(s); // before it can become ready: a worker that checks never takes a call unchecked
    }
    if ("annotation".equals(annotations.get(ANNOTATION_REPORT_IN_FLIGHT))) {
      worker.inFlightAnnotation(true);
    }
    worker.onPodInfo(labels, annotations); // a pod may be created already marked for drain

    s.enqueue(() -> addFinalizer(s));
    s.enqueue(() -> writeStatus(s));

    long delayMs = parseLong(annotations.get(ANNOTATION_STARTUP_DELAY_MS), rt.options.startupDelay().toMillis());
    boolean neverReady = "true".equals(annotations.get(ANNOTATION_NEVER_READY));
    synchronized (s) {
      s.readyTimer = rt.scheduler.schedule(() -> started(s, !neverReady), delayMs, TimeUnit.MILLISECONDS);
      if (fault.startsWith(CRASH_AFTER_MS)) {
        long crashMs = parseLong(fault.substring(CRASH_AFTER_MS.length()), 0);
        SimWorker w = worker;
        s.crashTimer = rt.scheduler.schedule(w::crash, crashMs, TimeUnit.MILLISECONDS);
      }
    }
  }

  // ---- mounted credential and membership files

  /**
   * The pod's labels and annotations reach its downward-API files (podinfo) after the propagation
   * delay: a pod update makes the kubelet sync that pod. Each change is shown in order, and an
   * older one never after a newer one.
   */
  private void showPodInfo(PodState s, Pod pod) {
    Map<String, String> labels = Map.copyOf(orEmpty(pod.getMetadata().getLabels()));
    Map<String, String> annotations = Map.copyOf(orEmpty(pod.getMetadata().getAnnotations()));
    long seq;
    synchronized (s) {
      seq = ++s.podInfoSeq;
    }
    Runnable show = () -> {
      synchronized (s) {
        if (seq <= s.podInfoShown || s.gone || s.worker == null) {
          return;
        }
        s.podInfoShown = seq;
      }
      s.worker.onPodInfo(labels, annotations);
    };
    later(rt.options.propagation().podInfo(), show);
  }

  /** Runs {@code r} after {@code delay} on the io pool (at once when the delay is zero). */
  private void later(Duration delay, Runnable r) {
    if (delay.isZero()) {
      r.run();
      return;
    }
    rt.scheduler.schedule(() -> {
      try {
        rt.io.execute(r);
      } catch (RejectedExecutionException e) {
        // shutting down
      }
    }, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A watched Secret or ConfigMap changed: the pods that mount it see it on the kubelet's next
   * sync of that volume (the propagation delay), each volume on its own.
   */
  private void volumeChanged(SimVolumes.Kind kind, String namespace, String name) {
    Duration delay = kind == SimVolumes.Kind.SECRET
        ? rt.options.propagation().secretVolume() : rt.options.propagation().configMapVolume();
    for (PodState s : pods.values()) {
      if (s.mounts != null && s.mounts.uses(kind, namespace, name)) {
        // A volume whose object was missing at start: a real kubelet holds the pod in
        // ContainerCreating until it exists, then mounts it as it is.
        boolean neverShown = kind == SimVolumes.Kind.SECRET ? s.shownToken == null : s.shownMembership == null;
        later(neverShown ? Duration.ZERO : delay, () -> refreshVolume(s, kind));
      }
    }
  }

  /**
   * Reads one volume's files as they are now and hands the pod's files to its worker. Under the
   * pod's lock, read and hand-over included: whichever thread comes last delivers the newest
   * content, never an older read.
   */
  private void refreshVolume(PodState s, SimVolumes.Kind kind) {
    synchronized (s) {
      SimWorker w = s.worker;
      if (s.gone || w == null) {
        return;
      }
      if (kind == SimVolumes.Kind.SECRET) {
        s.shownToken = volumes.token(s.mounts);
      } else {
        s.shownMembership = volumes.membership(s.mounts);
      }
      w.onMountedFiles(s.shownToken, s.shownMembership);
    }
  }

  /** At pod start: every volume shows its object as it is. */
  private void refreshVolumes(PodState s) {
    synchronized (s) {
      SimWorker w = s.worker;
      if (s.gone || w == null) {
        return;
      }
      s.shownToken = volumes.token(s.mounts);
      s.shownMembership = volumes.membership(s.mounts);
      w.onMountedFiles(s.shownToken, s.shownMembership);
    }
  }

  /** Containers are up after the startup delay: Running, and Ready unless told otherwise. */
  private void started(PodState s, boolean ready) {
    synchronized (s) {
      if (s.terminating || s.gone || s.phase != Phase.PENDING || !s.worker.alive()) {
        return;
      }
      s.phase = Phase.RUNNING;
      s.runningSince = Instant.now();
      if (ready) {
        s.ready = true;
        s.readySince = s.runningSince;
        s.worker.markReady();
      }
    }
    s.enqueue(() -> writeStatus(s));
  }

  /** The pod got a deletionTimestamp: SIGTERM now, SIGKILL when the grace period is over. */
  private void beginTermination(PodState s, Pod pod) {
    synchronized (s) {
      if (s.terminating) {
        return;
      }
      s.terminating = true;
      if (s.readyTimer != null) {
        s.readyTimer.cancel(false);
      }
    }
    SimWorker worker = s.worker;
    if (worker == null || !worker.alive()) {
      s.enqueue(() -> removeFinalizer(s));
      return;
    }
    long grace = gracePeriodSeconds(pod);
    if (grace <= 0) {
      worker.kill();
      return;
    }
    synchronized (s) {
      // Armed before SIGTERM: an idle worker exits at once and its exit cancels this timer.
      s.killTimer = rt.scheduler.schedule(worker::kill, grace, TimeUnit.SECONDS);
    }
    worker.terminate();
  }

  /** As the kubelet does: the DELETE's grace period, else the pod's, else 30 s. */
  private long gracePeriodSeconds(Pod pod) {
    Long fromRequest = rt.requests.gracePeriodFor(pod.getMetadata().getUid());
    if (fromRequest != null) {
      return fromRequest;
    }
    if (pod.getSpec() != null && pod.getSpec().getTerminationGracePeriodSeconds() != null) {
      return pod.getSpec().getTerminationGracePeriodSeconds();
    }
    return DEFAULT_GRACE_SECONDS;
  }

  private void workerExited(PodState s, SimWorker.ExitReason reason) {
    boolean terminating;
    synchronized (s) {
      s.cancelTimers();
      if (s.gone) {
        return;
      }
      terminating = s.terminating;
      if (!terminating) {
        // restartPolicy Never: the pod stays Failed.
        s.phase = Phase.FAILED;
        s.ready = false;
        s.readySince = Instant.now();
        s.finishedAt = s.readySince;
        s.exitCode = reason == SimWorker.ExitReason.KILLED ? 137 : 1;
      }
    }
    if (terminating) {
      s.enqueue(() -> removeFinalizer(s));
    } else {
      s.enqueue(() -> writeStatus(s));
    }
  }

  // ---- API writes (io pool, one chain per pod so they land in order)

  private void addFinalizer(PodState s) {
    editFinalizers(s, true);
  }

  private void removeFinalizer(PodState s) {
    editFinalizers(s, false);
  }

  /**
   * JSON patch replacing the whole finalizer list, guarded by the resourceVersion it was computed
   * from: after a 409 (someone else's finalizer) read again and retry.
   */
  private void editFinalizers(PodState s, boolean add) {
    // First try with the pod as the informer last saw it (saves a GET per pod: with thousands
    // of pods every request to the mock server counts); after a conflict, read it afresh.
    Pod pod = s.lastSeen;
    for (int attempt = 0; attempt < 10; attempt++) {
      if (attempt > 0) {
        pod = client.pods().inNamespace(s.namespace).withName(s.name).get();
      }
      if (pod == null || !s.uid.equals(pod.getMetadata().getUid())) {
        return;
      }
      List<String> finalizers = new ArrayList<>(orEmpty(pod.getMetadata().getFinalizers()));
      boolean has = finalizers.contains(FINALIZER);
      if (add && (has || pod.getMetadata().getDeletionTimestamp() != null)) {
        return; // no new finalizers on a pod that is being deleted, as in Kubernetes
      }
      if (!add && !has) {
        return;
      }
      if (add) {
        finalizers.add(FINALIZER);
      } else {
        finalizers.remove(FINALIZER);
      }
      String patch = JsonPatches.setIfUnchanged(pod.getMetadata().getResourceVersion(), "/metadata/finalizers", finalizers);
      try {
        // resource(pod) rather than withName(): fabric8 would GET the pod before every patch.
        client.pods().resource(pod).patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    log.warn("gave up {} the finalizer of pod {}/{} after conflicts", add ? "adding" : "removing", s.namespace, s.name);
  }

  /** Writes the whole status as this kubelet sees it now, through the pods/status subresource. */
  private void writeStatus(PodState s) {
    PodStatus status;
    synchronized (s) {
      if (s.gone || s.terminating) {
        return; // a terminating pod keeps its last status until it is gone
      }
      status = s.status();
    }
    ArrayNode ops = Serialization.jsonMapper().createArrayNode();
    ObjectNode op = ops.addObject().put("op", "add").put("path", "/status");
    op.set("value", Serialization.jsonMapper().valueToTree(status));
    try {
      client.pods().resource(s.lastSeen).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), ops.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    SharedIndexInformer<Pod> i = informer;
    if (i != null) {
      i.stop();
    }
    volumes.close();
    for (PodState s : pods.values()) {
      synchronized (s) {
        s.gone = true;
        s.cancelTimers();
      }
      if (s.worker != null) {
        s.worker.shutdown();
      }
    }
    pods.clear();
    byName.clear();
    byDeployment.clear();
  }

  // ---- per pod state

  /** What the kubelet knows about one pod; mutable fields are guarded by the object's lock. */
  private final class PodState {
    final String uid;
    final String namespace;
    final String name;
    final Instant created = Instant.now();
    final List<Container> containers;
    /** The credential and membership volumes, or null: the worker does not check its membership. */
    final SimVolumes.Mounts mounts;
    volatile Pod lastSeen;
    volatile SimWorker worker;
    volatile InetAddress ip;
    Phase phase = Phase.PENDING;
    boolean ready;
    Instant readySince = created;
    Instant runningSince;
    Instant finishedAt;
    int exitCode;
    boolean terminating;
    boolean gone;
    ScheduledFuture<?> readyTimer;
    ScheduledFuture<?> killTimer;
    ScheduledFuture<?> crashTimer;
    /** Podinfo changes: the last one seen and the last one shown to the worker. */
    long podInfoSeq;
    long podInfoShown;
    /** What the worker's volumes show now (they lag behind the API objects). */
    String shownToken;
    tech.openrtc.operator.membership.Membership shownMembership;
    private CompletableFuture<Void> writes = CompletableFuture.completedFuture(null);

    PodState(Pod pod) {
      lastSeen = pod;
      uid = pod.getMetadata().getUid();
      namespace = pod.getMetadata().getNamespace();
      name = pod.getMetadata().getName();
      containers = pod.getSpec() == null ? List.of() : orEmpty(pod.getSpec().getContainers());
      mounts = SimVolumes.Mounts.of(pod);
    }

    /** Runs an API write after this pod's earlier ones; a failed write does not stop the chain. */
    synchronized void enqueue(Runnable write) {
      Runnable logged = () -> {
        try {
          write.run();
        } catch (RuntimeException e) {
          if (rt.closing) {
            log.debug("kubelet write for pod {}/{} failed during shutdown", namespace, name, e);
          } else {
            log.warn("kubelet write for pod {}/{} failed", namespace, name, e);
          }
        }
      };
      try {
        writes = writes.thenRunAsync(logged, rt.io);
      } catch (RejectedExecutionException e) {
        // shutting down
      }
    }

    void cancelTimers() {
      for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {readyTimer, killTimer, crashTimer}) {
        if (t != null) {
          t.cancel(false);
        }
      }
    }

    PodStatus status() {
      String readyText = ready ? "True" : "False";
      String since = ts(created);
      List<PodCondition> conditions = List.of(
          condition("PodScheduled", "True", since),
          condition("Initialized", "True", since),
          condition("ContainersReady", readyText, ts(readySince)),
          condition("Ready", readyText, ts(readySince)));
      List<ContainerStatus> containerStatuses = new ArrayList<>();
      for (Container c : containers) {
        containerStatuses.add(new ContainerStatusBuilder()
            .withName(c.getName())
            .withImage(c.getImage())
            .withImageID("")
            .withContainerID(phase == Phase.PENDING ? null : "sim://" + uid + "/" + c.getName())
            .withReady(ready)
            .withStarted(phase == Phase.RUNNING)
            .withRestartCount(0)
            .withState(containerState())
            .build());
      }
      String podIp = ip == null ? null : ip.getHostAddress();
      return new PodStatusBuilder()
          .withPhase(switch (phase) {
            case PENDING -> "Pending";
            case RUNNING -> "Running";
            case FAILED -> "Failed";
          })
          .withHostIP("127.0.0.1")
          .addNewHostIP("127.0.0.1")
          .withPodIP(podIp)
          .withPodIPs(podIp == null ? List.of() : List.of(new io.fabric8.kubernetes.api.model.PodIP(podIp)))
          .withStartTime(since)
          .withConditions(conditions)
          .withContainerStatuses(containerStatuses)
          .build();
    }

    private ContainerState containerState() {
      return switch (phase) {
        case PENDING -> new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting().build();
        case RUNNING -> new ContainerStateBuilder().withNewRunning().withStartedAt(ts(runningSince)).endRunning().build();
        case FAILED -> new ContainerStateBuilder().withNewTerminated()
            .withExitCode(exitCode)
            .withReason(exitCode == 137 ? "Killed" : "Error")
            .withStartedAt(runningSince == null ? null : ts(runningSince))
            .withFinishedAt(ts(finishedAt))
            .endTerminated().build();
      };
    }
  }

  private static PodCondition condition(String type, String status, String since) {
    return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(since).build();
  }

  private static String ts(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String envOr(List<EnvVar> env, String name, String fallback) {
    return env.stream()
        .filter(e -> name.equals(e.getName()) && e.getValue() != null)
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(fallback);
  }

  private static long parseLong(String text, long fallback) {
    if (text == null) {
      return fallback;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
    return m == null ? Map.of() : m;
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }
}
