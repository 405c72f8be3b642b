package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.MembershipVerifier;

/**
 * One simulated voice-agent worker process (livekit-agents style) in one pod.
 *
 * <p>It serves {@code GET /worker} and {@code GET /} on its pod IP, on a socket of its own served by
 * the sim's shared Vert.x event loop (no thread of its own). {@code /worker} answers as
 * livekit-agents does ({@code agent_name}, {@code worker_type}, {@code active_jobs},
 * {@code sdk_version}, {@code project_type}), so a missing count reads 0 there. It takes
 * calls while it is accepting (ready, not draining, not terminating, alive), stops taking them on
 * drain or SIGTERM, and on SIGTERM exits once its last call has ended. When it dies (crash, kill)
 * its live calls are cut.
 *
 * <p>If its pod mounts a credential or the membership, it behaves like a worker that follows the
 * contract: it takes new calls only while its podinfo labels say {@code role=active} and its
 * credential verifies against the mounted keys; the mounted membership is the check at start (a
 * pod started as active must be of the active version, so a pod recreated by hand from an old
 * manifest takes no call), and a worker that saw itself promoted from preview needs no more (the
 * membership volume follows a minute later). A pod without a role label, or annotated
 * {@value #ANNOTATION_GATING}{@code =membership}, gates on the membership alone, as workers did
 * before role labels. The verdicts are computed when the files change (and once more when the
 * credential expires), never per call.
 */
public final class SimWorker {

  private static final Logger log = LoggerFactory.getLogger(SimWorker.class);

  /** {@code membership}: the worker ignores its role label and gates on the mounted membership only. */
  public static final String ANNOTATION_GATING = "sim.openrtc.tech/gating";

  /** Why the worker process ended. */
  enum ExitReason {
    /** After SIGTERM, once its last call ended. */
    COMPLETED,
    /** Crashed by itself (fault or {@link #crash()}). */
    CRASHED,
    /** Killed from outside (grace period over, pod removed under it). */
    KILLED
  }

  /** Told when the process ends (outside the worker's lock). */
  interface ExitListener {
    void exited(SimWorker worker, ExitReason reason);
  }

  private final SimRuntime rt;
  private final String namespace;
  private final String podName;
  private final String deployment;
  private final String version;
  private final String revision;
  private final String agentName;
  private final InetAddress ip;
  private final int port;
  private final ExitListener exitListener;
  /**
   * Serializes binding and unbinding the socket, which wait for the event loop. Never taken on the
   * event loop, and "this" is never held while waiting: the event loop takes "this" in its handler.
   */
  private final Object socket = new Object();

  // All mutable state below is guarded by "this".
  private final Map<Long, Call> live = new HashMap<>();
  private final Map<Long, ScheduledFuture<?>> endTimers = new HashMap<>();
  /** Connections of requests left unanswered under HANG; closed when the fault is cleared. */
  private final Set<HttpConnection> hung = new HashSet<>();
  private HttpServer server;
  private boolean started;
  /** The whole sim is shutting down: the socket stays closed. */
  private boolean shutdown;
  private Fault fault = Fault.NONE;
  private boolean ready;
  private boolean draining;
  private boolean terminating;
  private ExitReason exited;
  private boolean inFlightAnnotation;
  private boolean inFlightDirty;
  private boolean inFlightWriting;
  private int inFlightWritten = -1;
  /** The pod mounts a credential or membership: take calls only as an active member. */
  private boolean membershipChecked;
  private MembershipVerifier.Result membership;
  /** The credential against the mounted keys alone (not whether its version is active). */
  private MembershipVerifier.Result credential;
  /** The role label in the pod's podinfo; null when the pod has none. */
  private String role;
  /** It saw its role go from preview to active while running: promoted. */
  private boolean sawPromotion;
  /** Gates on the mounted membership alone, ignoring the role label. */
  private boolean membershipOnly;
  /** Bumped by every new set of files, so a slower, older verdict never overwrites a newer one. */
  private long membershipGeneration;
  private String mountedToken;
  private Membership mountedMembership;
  private ScheduledFuture<?> expiryCheck;

  SimWorker(
      SimRuntime rt,
      String namespace,
      String podName,
      String deployment,
      String version,
      String revision,
      String agentName,
      InetAddress ip,
      int port,
      ExitListener exitListener) {
    this.rt = rt;
    this.namespace = namespace;
    this.podName = podName;
    this.deployment = deployment;
    this.version = version;
    this.revision = revision;
    this.agentName = agentName;
    this.ip = ip;
    this.port = port;
    this.exitListener = exitListener;
  }

  // ---- identity

  public String namespace() {
    return namespace;
  }

  public String podName() {
    return podName;
  }

  public String deployment() {
    return deployment;
  }

  public String version() {
    return version;
  }

  public String revision() {
    return revision;
  }

  public String agentName() {
    return agentName;
  }

  public String podIP() {
    return ip.getHostAddress();
  }

  public int port() {
    return port;
  }

  // ---- state

  public synchronized int activeCalls() {
    return live.size();
  }

  /** Snapshot of the calls this worker holds. */
  public synchronized List<Call> liveCalls() {
    return new ArrayList<>(live.values());
  }

  /**
   * Would take a new call: ready, not draining, not terminating, alive, and an active member when
   * its pod mounts a credential or the membership.
   */
  public synchronized boolean accepting() {
    if (!ready || draining || terminating || exited != null) {
      return false;
    }
    boolean followsRole = role != null && !membershipOnly;
    if (!membershipChecked) {
      return !followsRole || Names.ROLE_ACTIVE.equals(role);
    }
    if (!followsRole) {
      return membership != null && membership.ok();
    }
    return Names.ROLE_ACTIVE.equals(role) && credential != null && credential.ok()
        && (sawPromotion || (membership != null && membership.ok()));
  }

  /**
   * The last verdict on its credential and the mounted membership, or null if its pod mounts
   * neither (the worker does not check, as before membership existed).
   */
  public synchronized MembershipVerifier.Result membership() {
    return membership;
  }

  /** The last verdict on its credential against the mounted keys alone; null as {@link #membership()}. */
  public synchronized MembershipVerifier.Result credential() {
    return credential;
  }

  /** What its podinfo labels say it is ({@code preview}, {@code active}, {@code draining}), or null. */
  public synchronized String role() {
    return role;
  }

  public synchronized boolean ready() {
    return ready;
  }

  public synchronized boolean draining() {
    return draining;
  }

  public synchronized boolean terminating() {
    return terminating;
  }

  public synchronized boolean alive() {
    return exited == null;
  }

  public synchronized Fault fault() {
    return fault;
  }

  // ---- calls

  /** Takes the call if accepting; it then ends by itself after {@code call.planned()}. */
  public boolean tryAccept(Call call) {
    synchronized (this) {
      if (!accepting()) {
        return false;
      }
      live.put(call.id(), call);
      rt.ledger.begin(call);
      endTimers.put(
          call.id(),
          rt.scheduler.schedule(
              () -> finish(call), call.planned().toMillis(), TimeUnit.MILLISECONDS));
    }
    inFlightChanged();
    return true;
  }

  private void finish(Call call) {
    boolean exitNow;
    synchronized (this) {
      endTimers.remove(call.id());
      if (live.remove(call.id()) == null) {
        return; // already cut
      }
      rt.ledger.end(call, CallRecord.Outcome.COMPLETED);
      exitNow = terminating && live.isEmpty() && exited == null;
    }
    inFlightChanged();
    if (exitNow) {
      exit(ExitReason.COMPLETED);
    }
  }

  // ---- lifecycle, driven by the kubelet (and tests)

  /** Binds the HTTP server (unless the fault is REFUSE); throws if the address is taken. */
  void start() throws IOException {
    synchronized (this) {
      started = true;
    }
    try {
      syncSocket();
    } catch (IOException e) {
      synchronized (this) {
        started = false;
      }
      throw e;
    }
  }

  synchronized void markReady() {
    if (exited == null) {
      ready = true;
    }
  }

  /** Drain: take no new calls, keep the live ones. One-way. */
  public synchronized void drain() {
    draining = true;
  }

  /** The pod's podinfo files (/etc/openrtc/podinfo/labels and annotations) show these now. */
  void onPodInfo(Map<String, String> labels, Map<String, String> annotations) {
    String newRole = labels == null ? null : labels.get(Names.LABEL_ROLE);
    synchronized (this) {
      if (Names.ROLE_PREVIEW.equals(role) && Names.ROLE_ACTIVE.equals(newRole)) {
        sawPromotion = true;
      }
      role = newRole;
      membershipOnly = annotations != null && "membership".equals(annotations.get(ANNOTATION_GATING));
    }
    if (Names.ROLE_DRAINING.equals(newRole)
        || annotations != null && "true".equals(annotations.get(Names.ANNOTATION_DRAIN))) {
      drain();
    }
  }

  // ---- membership

  /**
   * The mounted files changed (or are read for the first time): {@code token} is the credential
   * file's content, {@code membershipFiles} the membership directory's; null for a missing file.
   * The kubelet calls this in order for one pod.
   */
  void onMountedFiles(String token, Membership membershipFiles) {
    long generation;
    synchronized (this) {
      membershipChecked = true;
      generation = ++membershipGeneration;
      mountedToken = token;
      mountedMembership = membershipFiles;
    }
    recheck(generation);
  }

  /** Verifies the files of that generation and keeps the verdict, unless newer files came meanwhile. */
  private void recheck(long generation) {
    String token;
    Membership files;
    synchronized (this) {
      if (generation != membershipGeneration || exited != null) {
        return;
      }
      token = mountedToken;
      files = mountedMembership;
    }
    MembershipVerifier.Result noToken = new MembershipVerifier.Result(MembershipVerifier.Outcome.MALFORMED,
        "no credential at " + Names.CREDENTIAL_FILE, null, null, null, null);
    MembershipVerifier.Result verdict = token == null ? noToken : MembershipVerifier.verifyMember(token, files, version);
    MembershipVerifier.Result keysOnly = token == null ? noToken : files == null
        ? new MembershipVerifier.Result(MembershipVerifier.Outcome.UNKNOWN_KID, "no keys mounted", null, null, null, null)
        : MembershipVerifier.verify(token, files.jwksJson(), version);
    MembershipVerifier.Result before;
    synchronized (this) {
      if (generation != membershipGeneration) {
        return;
      }
      before = membership;
      membership = verdict;
      credential = keysOnly;
      cancelExpiryCheck();
      Instant expires = keysOnly.ok() ? keysOnly.expiresAt() : null;
      if (expires != null && exited == null) {
        // A token is valid through the second of its exp: look again just after it.
        long delayMs = Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 1000;
        expiryCheck = rt.scheduler.schedule(() -> {
          try {
            rt.io.execute(() -> recheck(generation));
          } catch (RejectedExecutionException e) {
            // shutting down
          }
        }, delayMs, TimeUnit.MILLISECONDS);
      }
    }
    if (before == null || before.outcome() != verdict.outcome()) {
      log.debug("worker {}/{} ({}): {}: {}", namespace, podName, version, verdict.outcome(), verdict.message());
    }
  }

  /** Caller holds the lock. */
  private void cancelExpiryCheck() {
    if (expiryCheck != null) {
      expiryCheck.cancel(false);
      expiryCheck = null;
    }
  }

  /** SIGTERM: take no new calls, exit once the live ones have ended. */
  void terminate() {
    boolean exitNow;
    synchronized (this) {
      terminating = true;
      exitNow = live.isEmpty() && exited == null;
    }
    if (exitNow) {
      exit(ExitReason.COMPLETED);
    }
  }

  /** SIGKILL: dies now, live calls are cut. */
  void kill() {
    exit(ExitReason.KILLED);
  }

  /** Crashes now: live calls are cut, the HTTP server closes, the pod goes Failed. */
  public void crash() {
    exit(ExitReason.CRASHED);
  }

  private void exit(ExitReason reason) {
    synchronized (this) {
      if (exited != null) {
        return;
      }
      exited = reason;
      ready = false;
      for (Call call : live.values()) {
        rt.ledger.end(call, CallRecord.Outcome.CUT);
      }
      live.clear();
      endTimers.values().forEach(t -> t.cancel(false));
      endTimers.clear();
      cancelExpiryCheck();
      releaseHung();
    }
    closeQuietly();
    log.debug("worker {}/{} exited: {}", namespace, podName, reason);
    exitListener.exited(this, reason);
  }

  // ---- faults

  public void setFault(Fault newFault) {
    synchronized (this) {
      Fault old = fault;
      fault = newFault;
      if (old == Fault.HANG && newFault != Fault.HANG) {
        releaseHung();
      }
    }
    try {
      syncSocket(); // REFUSE unbinds, anything else binds again
    } catch (IOException e) {
      log.warn("worker {}/{} could not listen again on {}:{}", namespace, podName, podIP(), port, e);
    }
    inFlightChanged(); // LIE_ZERO changes what is reported
  }

  // ---- in-flight annotation mode

  /**
   * Also report the in-flight count as pod annotation {@value Names#ANNOTATION_IN_FLIGHT},
   * written whenever it changes (and once now).
   */
  public void inFlightAnnotation(boolean enabled) {
    synchronized (this) {
      inFlightAnnotation = enabled;
      inFlightWritten = -1;
    }
    inFlightChanged();
  }

  private synchronized int reportedInFlight() {
    return fault == Fault.LIE_ZERO ? 0 : live.size();
  }

  /**
   * Writes are serialized per worker (at most one in progress, the next one picks up the latest
   * value), so a slow write can never overwrite a newer count.
   */
  private void inFlightChanged() {
    synchronized (this) {
      if (!inFlightAnnotation) {
        return;
      }
      inFlightDirty = true;
      if (inFlightWriting) {
        return;
      }
      inFlightWriting = true;
    }
    try {
      rt.io.execute(this::writeInFlight);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      synchronized (this) {
        inFlightWriting = false; // shutting down
      }
    }
  }

  private void writeInFlight() {
    while (true) {
      int value;
      synchronized (this) {
        boolean dead = exited == ExitReason.CRASHED || exited == ExitReason.KILLED;
        if (!inFlightDirty || dead || !inFlightAnnotation) {
          inFlightWriting = false;
          return;
        }
        inFlightDirty = false;
        value = reportedInFlight();
        if (value == inFlightWritten) {
          continue;
        }
      }
      if (patchInFlight(value)) {
        synchronized (this) {
          inFlightWritten = value;
        }
      }
    }
  }

  private boolean patchInFlight(int value) {
    KubernetesClient client = rt.workerClient;
    if (client == null) {
      return false;
    }
    ObjectNode patch = Serialization.jsonMapper().createObjectNode();
    patch.putObject("metadata").putObject("annotations").put(Names.ANNOTATION_IN_FLIGHT, String.valueOf(value));
    // resource(pod) rather than withName(): fabric8 would GET the pod before every patch.
    Pod pod = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(podName).endMetadata().build();
    try {
      client.pods().resource(pod).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && !rt.closing) {
        log.warn("worker {}/{} could not write its in-flight annotation", namespace, podName, e);
      }
      return false;
    } catch (IllegalStateException e) {
      if (!rt.closing) {
        throw e;
      }
      return false; // the simulator is shutting down and closed its clients
    }
  }

  // ---- HTTP

  /**
   * HTTP/1.1 only, as a livekit-agents worker (aiohttp) serves it: Vert.x would otherwise take a
   * client's h2c upgrade (the JDK client asks for one) and multiplex requests on one connection.
   */
  private static final HttpServerOptions HTTP_OPTIONS = new HttpServerOptions().setHttp2ClearTextEnabled(false);

  /** How long binding or unbinding a worker's socket may take on the event loop. */
  private static final Duration SOCKET_WAIT = Duration.ofSeconds(10);

  /**
   * Binds a socket of its own on (pod IP, port), served by the sim's shared event loop, and waits
   * for it: a taken address fails here, as a bind does. Never called on an event-loop thread.
   */
  private HttpServer openServer() throws IOException {
    HttpServer s = rt.vertx.createHttpServer(HTTP_OPTIONS).requestHandler(this::handle);
    await(s.listen(port, ip.getHostAddress()), "listen on " + podIP() + ":" + port);
    return s;
  }

  /**
   * Binds or unbinds the socket to match the state: bound while started, alive and not refusing.
   * When it returns the socket is as wanted (a closed one refuses connections). The caller must not
   * hold "this" nor be on the event loop.
   */
  private void syncSocket() throws IOException {
    synchronized (socket) {
      boolean wanted;
      HttpServer current;
      synchronized (this) {
        wanted = started && exited == null && !shutdown && fault != Fault.REFUSE;
        current = server;
      }
      if (wanted && current == null) {
        HttpServer opened = openServer();
        synchronized (this) {
          server = opened;
        }
      } else if (!wanted && current != null) {
        synchronized (this) {
          server = null;
        }
        await(current.close(), "close " + podIP() + ":" + port);
      }
    }
  }

  /** Unbinds (the worker exited or the sim shuts down). */
  private void closeQuietly() {
    try {
      syncSocket();
    } catch (IOException e) {
      log.debug("worker {}/{}: {}", namespace, podName, e.getMessage());
    }
  }

  private static <T> T await(Future<T> future, String what) throws IOException {
    try {
      return future.toCompletionStage().toCompletableFuture().get(SOCKET_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException(what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException(what + ": no answer from the event loop in " + SOCKET_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted", e);
    }
  }

  /** Caller holds the lock. Closing is asynchronous: the event loop does it. */
  private void releaseHung() {
    List<HttpConnection> connections = new ArrayList<>(hung);
    hung.clear();
    connections.forEach(HttpConnection::close);
  }

  /** On the event loop: must not block (the lock is only ever held briefly). */
  private void handle(HttpServerRequest request) {
    Fault f;
    int reported;
    synchronized (this) {
      f = fault;
      if (f == Fault.HANG) {
        // Never answer; no thread is held: the connection is closed when the fault is cleared.
        HttpConnection connection = request.connection();
        if (hung.add(connection)) {
          connection.closeHandler(closed -> forgetHung(connection));
        }
        return;
      }
      reported = reportedInFlight();
    }
    String path = request.path();
    if ("/worker".equals(path)) {
      String body = f == Fault.GARBAGE ? "<html>502 Bad Gateway" : workerJson(f, reported);
      respond(request, 200, f == Fault.GARBAGE ? "text/html" : "application/json", body);
    } else if ("/".equals(path)) {
      respond(request, 200, "text/plain", "OK");
    } else {
      respond(request, 404, "text/plain", "not found");
    }
  }

  private synchronized void forgetHung(HttpConnection connection) {
    hung.remove(connection);
  }

  private String workerJson(Fault f, int activeJobs) {
    ObjectNode json = Serialization.jsonMapper().createObjectNode();
    json.put("agent_name", agentName == null ? "" : agentName);
    json.put("worker_type", "JT_ROOM");
    if (f == Fault.FLOAT) {
      json.put("active_jobs", (double) activeJobs);
    } else if (!(f == Fault.OMIT_FIELD && activeJobs == 0)) {
      json.put("active_jobs", activeJobs);
    }
    json.put("sdk_version", "sim");
    json.put("project_type", "python");
    return json.toString();
  }

  private static void respond(HttpServerRequest request, int code, String type, String body) {
    request.response().setStatusCode(code).putHeader("Content-Type", type).end(body);
  }

  /** Stops serving without touching calls (the whole sim is shutting down). */
  void shutdown() {
    synchronized (this) {
      shutdown = true;
      cancelExpiryCheck();
      releaseHung();
      endTimers.values().forEach(t -> t.cancel(false));
      endTimers.clear();
    }
    closeQuietly();
  }

  @Override
  public String toString() {
    return "SimWorker[" + namespace + "/" + podName + " " + podIP() + " v" + version + "]";
  }
}
