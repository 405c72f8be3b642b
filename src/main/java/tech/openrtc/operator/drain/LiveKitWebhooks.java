package tech.openrtc.operator.drain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livekit.server.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitWebhook.WebhookEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;

/**
 * LiveKit webhooks at {@code /livekit/webhook}. Each is verified with the SDK's
 * {@link WebhookReceiver} (HS256 token signed with the API secret, issued by the API key, carrying
 * the body's SHA-256) against the credentials of the AgentDeployments that use that key; anything
 * else is rejected and counted, never acted on. A call ending ({@code room_finished},
 * {@code participant_left}, {@code agent_job_ended}) re-probes at once the draining deployments it
 * may concern, so a drained pod goes without waiting for the next poll.
 */
public final class LiveKitWebhooks {

  /** Events after which a draining pod may have just become idle. */
  static final Set<String> CALL_ENDED = Set.of("room_finished", "participant_left",
      "participant_connection_aborted", "agent_job_ended");

  /**
   * What the reconciler last saw of one AgentDeployment, keyed by namespace/name: its LiveKit
   * credentials and agent name, and the pods it is waiting on (draining or terminating).
   */
  public record Subscription(String namespace, String name, LiveKitCredentials credentials, String agentName,
      Set<String> drainingPods) {

    public Subscription {
      drainingPods = drainingPods == null ? Set.of() : Set.copyOf(drainingPods);
    }

    boolean draining() {
      return !drainingPods.isEmpty();
    }
  }

  /** One accepted webhook naming our agent: which version handled which room. */
  public record Handled(String event, String room, String version, String pod, String participant,
      List<Subscription> deployments) {}

  /** The answer to give: HTTP status and a short reason. */
  public record Outcome(int status, String message) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(LiveKitWebhooks.class);
  private static final long REJECTION_LOG_INTERVAL_MS = 60_000;
  private final AtomicLong lastRejectionLogged = new AtomicLong(-REJECTION_LOG_INTERVAL_MS);

  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final Consumer<Subscription> reprobe;
  private final Consumer<Handled> audit;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong reprobes = new AtomicLong();
  private final AtomicLong busy = new AtomicLong();

  public LiveKitWebhooks(Consumer<Subscription> reprobe, Consumer<Handled> audit) {
    this.reprobe = reprobe;
    this.audit = audit;
  }

  /** Called by every reconcile: null credentials (no spec.livekit, or no Secret) unsubscribe. */
  public void update(Subscription subscription) {
    String key = subscription.namespace() + "/" + subscription.name();
    if (subscription.credentials() == null) {
      subscriptions.remove(key);
    } else {
      subscriptions.put(key, subscription);
    }
  }

  public void forget(String namespace, String name) {
    subscriptions.remove(namespace + "/" + name);
  }

  /** Verifies and handles one webhook request. */
  public Outcome receive(String body, String authorization) {
    return receive(body, authorization, "?");
  }

  /** Verifies and handles one webhook request from {@code remote} (for the log). */
  public Outcome receive(String body, String authorization, String remote) {
    WebhookEvent event;
    List<Subscription> sameKey;
    try {
      String token = bearer(authorization);
      String apiKey = issuer(token);
      sameKey = subscriptions.values().stream()
          .filter(s -> s.credentials().apiKey().equals(apiKey)).toList();
      event = verify(body, token, sameKey);
    } catch (RuntimeException e) {
      countRejection(e.getMessage(), remote);
      return new Outcome(401, "webhook rejected: " + e.getMessage());
    }
    accepted.incrementAndGet();

    ParticipantInfo participant = event.hasParticipant() ? event.getParticipant() : null;
    String agentName = participant == null ? null : participant.getAttributesMap().get(Names.LIVEKIT_ATTR_AGENT_NAME);
    List<Subscription> concerned = sameKey.stream()
        .filter(s -> agentName == null || s.agentName() == null || s.agentName().equals(agentName))
        .toList();
    if (participant != null && participant.getKind() == ParticipantInfo.Kind.AGENT
        && participant.getAttributesMap().containsKey(Names.LIVEKIT_ATTR_VERSION)) {
      audit.accept(new Handled(event.getEvent(), event.hasRoom() ? event.getRoom().getName() : null,
          participant.getAttributesMap().get(Names.LIVEKIT_ATTR_VERSION),
          participant.getAttributesMap().get(Names.LIVEKIT_ATTR_POD), participant.getIdentity(), concerned));
    }
    if (CALL_ENDED.contains(event.getEvent())) {
      // An agent that names its pod concerns only the deployment draining that pod: with many
      // deployments on one LiveKit server, a call's end re-probes one of them, not all.
      String pod = participant == null ? null : participant.getAttributesMap().get(Names.LIVEKIT_ATTR_POD);
      concerned.stream().filter(Subscription::draining)
          .filter(s -> pod == null || pod.isBlank() || s.drainingPods().contains(pod)).forEach(s -> {
        reprobes.incrementAndGet();
        reprobe.accept(s);
      });
    }
    return new Outcome(200, "ok");
  }

  /**
   * Counts a webhook turned away before verification (no Authorization, a body too large or too
   * slow) or by it, and logs it at most once a minute.
   */
  public void countRejection(String reason, String remote) {
    long n = rejected.incrementAndGet();
    long now = System.currentTimeMillis();
    long last = lastRejectionLogged.get();
    // A flood of forged webhooks must not flood the log too: one line a minute at most.
    if (now - last >= REJECTION_LOG_INTERVAL_MS && lastRejectionLogged.compareAndSet(last, now)) {
      LOG.warn("LiveKit webhook from {} rejected ({} rejected so far): {}", remote, n, reason);
    }
  }

  /** Counts a webhook answered 503 because the webhook threads and their queue were full. */
  public void countBusy() {
    busy.incrementAndGet();
  }

  /** Tries each distinct secret in use with this key (normally one); the first that verifies wins. */
  private static WebhookEvent verify(String body, String token, List<Subscription> sameKey) {
    if (sameKey.isEmpty()) {
      throw new IllegalArgumentException("unknown API key");
    }
    Set<String> secrets = new LinkedHashSet<>();
    sameKey.forEach(s -> secrets.add(s.credentials().apiSecret()));
    List<String> failures = new ArrayList<>();
    String apiKey = sameKey.get(0).credentials().apiKey();
    for (String secret : secrets) {
      try {
        return new WebhookReceiver(apiKey, secret).receive(body, token);
      } catch (RuntimeException e) {
        // The SDK's messages name the check that failed (signature, issuer, checksum), never the secret.
        failures.add(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
      }
    }
    throw new IllegalArgumentException(String.join("; ", failures));
  }

  /** LiveKit sends the bare token; a {@code Bearer} prefix is accepted too. */
  private static String bearer(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new IllegalArgumentException("no Authorization header");
    }
    String a = authorization.trim();
    return a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).trim() : a;
  }

  /** The unverified {@code iss} claim, only to pick the secret to verify with. */
  private static String issuer(String token) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("Authorization is not a JWT");
    }
    try {
      JsonNode claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      String iss = claims.path("iss").asText(null);
      return Objects.requireNonNull(iss, "no iss claim");
    } catch (Exception e) {
      throw new IllegalArgumentException("unreadable token claims");
    }
  }

  public long accepted() {
    return accepted.get();
  }

  public long rejected() {
    return rejected.get();
  }

  public long reprobes() {
    return reprobes.get();
  }

  public long busy() {
    return busy.get();
  }
}
