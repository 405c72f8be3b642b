package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults the simulated API server puts on chosen clients' requests, as a real API server, its
 * etcd or a proxy in front of it produce them: errors, throttling, slow answers, timeouts of
 * writes that landed, watch connections dropped and a watch that missed a deletion. Thread-safe.
 *
 * <p>The dispatcher consults it after recording a request and before serving it. Faults never
 * apply to watches (their connections are what {@link #dropWatches} is for), to websocket
 * upgrades, or to the mock server's fixed expectations.
 */
public final class ApiFaults {

  private static final Logger log = LoggerFactory.getLogger(ApiFaults.class);

  /** How long a {@link Kind#TIMEOUT} answer is held: past the operator client's 15 s request timeout. */
  static final Duration TIMEOUT_DELAY = Duration.ofSeconds(20);
  static final Duration SLOW_MIN = Duration.ofSeconds(1);
  static final Duration SLOW_MAX = Duration.ofSeconds(2);
  /** Retry-After of a {@link Kind#TOO_MANY_REQUESTS} answer, in seconds. */
  static final int RETRY_AFTER_SECONDS = 1;

  public enum Kind {
    /**
     * 500, a Status with reason InternalError, as apierrors.NewInternalError builds it (say etcd
     * failed the transaction, or an admission webhook call broke); the request is not applied.
     */
    SERVER_ERROR,
    /**
     * 409, a Status with reason Conflict and the storage layer's OptimisticLockErrorMsg, as the API
     * server answers a write carrying a stale resourceVersion (or a guaranteed update that lost its
     * race); the request is not applied. Meaningful for writes only: see {@link #writes()}.
     */
    CONFLICT,
    /**
     * 429 with {@code Retry-After: 1}, as the max-in-flight and API Priority and Fairness filters
     * reject a request they have no seat for (k8s.io/apiserver/pkg/server/filters); the body is a
     * Status with reason TooManyRequests as apierrors.NewTooManyRequests builds it. Not applied.
     */
    TOO_MANY_REQUESTS,
    /** Served normally, the answer 1 to 2 s late: an API server or etcd under load. */
    SLOW,
    /**
     * Applied, but the answer held 20 s ({@link ApiFaults#TIMEOUT_DELAY}), past the client's request
     * timeout: the worst case, a write that landed while its client saw a timeout and cannot tell.
     */
    TIMEOUT;

    /** Whether the request is answered with an error instead of being served. */
    boolean refuses() {
      return this == SERVER_ERROR || this == CONFLICT || this == TOO_MANY_REQUESTS;
    }
  }

  /** Pending injections, oldest first. Guarded by itself. */
  private final List<Injection> pending = new ArrayList<>();
  private final Map<Kind, AtomicLong> injected = new EnumMap<>(Kind.class);
  private final Set<OpenWatch> openWatches = ConcurrentHashMap.newKeySet();
  private final AtomicLong watchesDropped = new AtomicLong();
  /** "resource namespace name" of objects whose next DELETED event no watch gets. Guarded by itself. */
  private final Set<String> lostDeletions = new HashSet<>();
  private final AtomicLong deletionEventsLost = new AtomicLong();

  ApiFaults() {
    for (Kind k : Kind.values()) {
      injected.put(k, new AtomicLong());
    }
  }

  /** Accepts the writes: create, update, patch, delete, deletecollection. */
  public static Predicate<RecordedCall> writes() {
    return RecordedCall::isWrite;
  }

  /**
   * The next {@code times} requests whose User-Agent starts with {@code userAgentPrefix} (null or
   * empty: any client) and that {@code which} accepts get this fault. Injections queue up: a
   * request gets the fault of the oldest one that wants it.
   */
  public void inject(Kind kind, String userAgentPrefix, Predicate<RecordedCall> which, int times) {
    Objects.requireNonNull(kind, "kind");
    if (times <= 0) {
      return;
    }
    synchronized (pending) {
      pending.add(new Injection(kind, userAgentPrefix, which == null ? c -> true : which, times));
    }
  }

  /** Forgets every injection not used up yet. */
  public void clear() {
    synchronized (pending) {
      pending.clear();
    }
  }

  /** How many requests got each fault so far. */
  public Map<Kind, Long> injected() {
    Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    injected.forEach((k, n) -> counts.put(k, n.get()));
    return counts;
  }

  /**
   * Closes every open watch of clients whose User-Agent starts with the prefix (null or empty:
   * every client), as an API server restart or a load balancer's idle timeout does: a close frame
   * with code 1001, "going away" (RFC 6455 7.4.1). Returns how many were closed.
   */
  public int dropWatches(String userAgentPrefix) {
    int closed = 0;
    for (Iterator<OpenWatch> it = openWatches.iterator(); it.hasNext(); ) {
      OpenWatch w = it.next();
      if (startsWith(w.userAgent, userAgentPrefix)) {
        it.remove();
        w.socket.close(1001, "the API server is going away");
        closed++;
      }
    }
    watchesDropped.addAndGet(closed);
    if (closed > 0) {
      log.info("dropped {} watch connection(s) of {}", closed, userAgentPrefix);
    }
    return closed;
  }

  public long watchesDropped() {
    return watchesDropped.get();
  }

  /** Open watch connections (all clients). */
  public int openWatches() {
    return openWatches.size();
  }

  /**
   * The DELETED watch event of this object (the next time it is removed from the store) is sent
   * to no watch: a watch that missed a deletion. {@code resource} is the plural, e.g. "pods".
   */
  public void loseDeletionEvent(String resource, String namespace, String name) {
    if ("customresourcedefinitions".equals(resource)) {
      // Removing a CRD also updates the mock's custom resource registry, which is left to the mock.
      throw new IllegalArgumentException("the deletion of a CRD is always seen");
    }
    synchronized (lostDeletions) {
      lostDeletions.add(key(resource, namespace, name));
    }
  }

  public long deletionEventsLost() {
    return deletionEventsLost.get();
  }

  // ---- for the dispatcher

  /** Whether the DELETED event of this object is to be lost; if so, it is, once. */
  boolean takeLostDeletion(String resource, String namespace, String name) {
    boolean lost;
    synchronized (lostDeletions) {
      if (lostDeletions.isEmpty()) {
        return false;
      }
      lost = lostDeletions.remove(key(resource, namespace, name));
    }
    if (lost) {
      deletionEventsLost.incrementAndGet();
      log.info("the DELETED event of {} {}/{} goes to no watch", resource, namespace, name);
    }
    return lost;
  }

  /** The fault this request gets, if any (using up one of its injection's times); null if none. */
  Kind take(RecordedCall call, boolean websocketUpgrade) {
    if (websocketUpgrade || "watch".equals(call.verb())) {
      return null;
    }
    Kind kind = null;
    synchronized (pending) {
      for (Iterator<Injection> it = pending.iterator(); it.hasNext(); ) {
        Injection i = it.next();
        if (call.userAgentStartsWith(i.userAgentPrefix) && i.which.test(call)) {
          kind = i.kind;
          if (--i.left == 0) {
            it.remove();
          }
          break;
        }
      }
    }
    if (kind != null) {
      injected.get(kind).incrementAndGet();
      log.debug("{} for {} {} from {}", kind, call.method(), call.path(), call.userAgent());
    }
    return kind;
  }

  /** The answer to a request refused with this fault (SERVER_ERROR, CONFLICT, TOO_MANY_REQUESTS). */
  static MockResponse refusal(Kind kind, RecordedCall call) {
    String what = call.resource() + (call.subresource() == null ? "" : "/" + call.subresource());
    StatusBuilder status = new StatusBuilder().withStatus("Failure").withNewMetadata().endMetadata();
    MockResponse response = new MockResponse();
    switch (kind) {
      case SERVER_ERROR -> status.withCode(500).withReason("InternalError")
          .withMessage("Internal error occurred: injected by the simulated API server")
          .withNewDetails().addNewCause().withMessage("injected by the simulated API server").endCause().endDetails();
      case CONFLICT -> status.withCode(409).withReason("Conflict")
          .withMessage("Operation cannot be fulfilled on " + what
              + (call.name() == null ? "" : " \"" + call.name() + "\"")
              + ": the object has been modified; please apply your changes to the latest version and try again")
          .withNewDetails().withName(call.name()).withGroup(call.apiGroup()).withKind(call.resource()).endDetails();
      case TOO_MANY_REQUESTS -> {
        status.withCode(429).withReason("TooManyRequests")
            .withMessage("Too many requests, please try again later.")
            .withNewDetails().withRetryAfterSeconds(RETRY_AFTER_SECONDS).endDetails();
        response.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
      }
      default -> throw new IllegalArgumentException(kind + " does not refuse a request");
    }
    Status s = status.build();
    return response.setResponseCode(s.getCode())
        .setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(s));
  }

  /**
   * The served answer, held back for SLOW and TIMEOUT. The mock web server sends a delayed body
   * from a Vert.x timer, so the delay blocks neither its event loop nor other requests.
   */
  static MockResponse delayed(Kind kind, MockResponse served) {
    Duration delay = switch (kind) {
      case SLOW -> Duration.ofMillis(ThreadLocalRandom.current().nextLong(SLOW_MIN.toMillis(), SLOW_MAX.toMillis() + 1));
      case TIMEOUT -> TIMEOUT_DELAY;
      default -> null;
    };
    if (delay == null || served.getWebSocketListener() != null) {
      return served;
    }
    if (served.getBody() == null || served.getBody().size() == 0) {
      // The mock server applies the delay only to a body; an empty answer gets a Success Status.
      served.setHeader("Content-Type", "application/json")
          .setBody(Serialization.asJson(new StatusBuilder().withStatus("Success").withCode(served.code()).build()));
    }
    return served.setBodyDelay(delay);
  }

  /** A watch answer whose websocket is kept track of, so {@link #dropWatches} can close it. */
  MockResponse tracked(String userAgent, MockResponse served) {
    WebSocketListener listener = served.getWebSocketListener();
    return listener == null ? served : served.withWebSocketUpgrade(new Tracking(listener, userAgent));
  }

  private static boolean startsWith(String userAgent, String prefix) {
    return prefix == null || prefix.isEmpty() || (userAgent != null && userAgent.startsWith(prefix));
  }

  private static String key(String resource, String namespace, String name) {
    return resource + " " + (namespace == null ? "" : namespace) + " " + name;
  }

  private static final class Injection {
    final Kind kind;
    final String userAgentPrefix;
    final Predicate<RecordedCall> which;
    int left;

    Injection(Kind kind, String userAgentPrefix, Predicate<RecordedCall> which, int times) {
      this.kind = kind;
      this.userAgentPrefix = userAgentPrefix;
      this.which = which;
      this.left = times;
    }
  }

  private record OpenWatch(String userAgent, WebSocket socket) {}

  /** The mock's watch listener, with the socket noted while it is open. */
  private final class Tracking extends WebSocketListener {

    private final WebSocketListener delegate;
    private final String userAgent;
    private volatile OpenWatch open;

    Tracking(WebSocketListener delegate, String userAgent) {
      this.delegate = delegate;
      this.userAgent = userAgent;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      open = new OpenWatch(userAgent, webSocket);
      openWatches.add(open);
      delegate.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      delegate.onClosing(webSocket, code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      forget();
      delegate.onClosed(webSocket, code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      forget();
      delegate.onFailure(webSocket, t, response);
    }

    private void forget() {
      OpenWatch o = open;
      if (o != null) {
        openWatches.remove(o);
      }
    }
  }
}
