package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import com.google.protobuf.util.JsonFormat;
import io.livekit.server.AccessToken;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.ListParticipantsRequest;
import livekit.LivekitRoom.ListParticipantsResponse;
import livekit.LivekitRoom.ListRoomsRequest;
import livekit.LivekitRoom.ListRoomsResponse;
import livekit.LivekitWebhook.WebhookEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;

/**
 * A LiveKit server as far as the operator reads one: the RoomService Twirp endpoints
 * {@code ListRooms} and {@code ListParticipants} over {@code POST /twirp/livekit.RoomService/<Method>}
 * with {@code application/protobuf} bodies (the SDK's own message classes), behind the same
 * access-token check as the real server: {@code Authorization: Bearer <JWT>}, HS256 with the API
 * secret, {@code iss} = API key, a {@code video} grant with {@code roomList} (ListRooms) or
 * {@code roomAdmin} for the named room (ListParticipants), as the SDK's RoomServiceClient sends.
 *
 * <p>Rooms come from the simulated calls: each live call in the {@link CallLedger} is one room
 * {@code call-<id>} holding the caller (STANDARD) and the worker's agent (AGENT) with attributes
 * {@code openrtc.version}, {@code openrtc.pod} and {@code lk.agent.name}, as a worker sets them
 * when it accepts a job.
 */
public final class FakeLiveKitServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FakeLiveKitServer.class);
  public static final String LIST_ROOMS = "ListRooms";
  public static final String LIST_PARTICIPANTS = "ListParticipants";
  private static final String PREFIX = "/twirp/livekit.RoomService/";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the server misbehaves, for every request while set. */
  public enum Fault {
    NONE,
    /** Answers only after {@link #SLOW_DELAY}, beyond any client timeout. */
    SLOW,
    /** HTTP 500 with a Twirp "internal" error. */
    ERROR_500,
    /** Rejects every token as the real server does a wrong secret (401 unauthenticated). */
    WRONG_AUTH,
    /** HTTP 200 with a body that is not protobuf. */
    GARBAGE
  }

  public static final Duration SLOW_DELAY = Duration.ofSeconds(10);

  private final CallLedger ledger;
  private final SimKubelet kubelet;
  private final String apiKey;
  private final byte[] apiSecret;
  private final HttpServer server;
  /** Handlers: a fixed few threads, none of them ever sleeps (a SLOW answer waits on {@link #delays}). */
  private final ExecutorService handlers;
  /** Holds SLOW answers back without holding a thread. */
  private final ScheduledExecutorService delays;
  /** Webhook deliveries (blocking posts, at most as many at once as it has threads). */
  private final ExecutorService webhooks;
  private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
  private final AtomicLong rejected = new AtomicLong();
  private final List<String> idleRooms = new CopyOnWriteArrayList<>();
  private volatile Fault fault = Fault.NONE;
  private volatile boolean agentsNamedAfterDeployments;
  private volatile String webhookUrl;
  private final AtomicLong webhooksSent = new AtomicLong();
  private final HttpClient webhookClient = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(1)).build();

  public FakeLiveKitServer(CallLedger ledger, SimKubelet kubelet, String apiKey, String apiSecret) {
    this.ledger = ledger;
    this.kubelet = kubelet;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret.getBytes(StandardCharsets.UTF_8);
    this.handlers = Executors.newFixedThreadPool(2, SimRuntime.daemon("fake-livekit-http"));
    this.delays = Executors.newSingleThreadScheduledExecutor(SimRuntime.daemon("fake-livekit-delay"));
    this.webhooks = Executors.newFixedThreadPool(2, SimRuntime.daemon("fake-livekit-webhook"));
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
    ledger.onEnd(this::callEnded);
    log.info("fake LiveKit server up at {}", url());
  }

  // ---- webhooks, as the real server sends them

  /**
   * From now on, every call that ends is told to {@code url} as the real server would: the agent's
   * {@code participant_left}, then {@code room_finished}; JSON bodies ({@code application/webhook+json})
   * signed with the SDK's {@link AccessToken} carrying the body's SHA-256. Null stops them.
   */
  public void sendWebhooksTo(String url) {
    this.webhookUrl = url;
  }

  public long webhooksSent() {
    return webhooksSent.get();
  }

  private void callEnded(CallRecord record) {
    String url = webhookUrl;
    if (url == null) {
      return;
    }
    SimRoom room = room(record.call());
    ParticipantInfo agent = room.participants().get(1);
    WebhookEvent left = WebhookEvent.newBuilder().setEvent("participant_left").setId("EV_left" + record.call().id())
        .setCreatedAt(Instant.now().getEpochSecond()).setRoom(room.room()).setParticipant(agent).build();
    WebhookEvent finished = WebhookEvent.newBuilder().setEvent("room_finished").setId("EV_fin" + record.call().id())
        .setCreatedAt(Instant.now().getEpochSecond()).setRoom(room.room()).build();
    try {
      webhooks.execute(() -> {
        post(url, left);
        post(url, finished);
      });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void post(String url, WebhookEvent event) {
    try {
      String body = JsonFormat.printer().print(event);
      HttpRequest request = HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(2))
          .header("Content-Type", "application/webhook+json")
          .header("Authorization", webhookToken(body, apiKey, new String(apiSecret, StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofString(body))
          .build();
      webhookClient.send(request, HttpResponse.BodyHandlers.discarding());
      webhooksSent.incrementAndGet();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("webhook {} to {} not delivered: {}", event.getEvent(), url, e.toString());
    }
  }

  /** The Authorization value LiveKit puts on a webhook: a token from the API key and secret with the body's hash. */
  public static String webhookToken(String body, String apiKey, String apiSecret) {
    try {
      AccessToken token = new AccessToken(apiKey, apiSecret);
      token.setSha256(Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8))));
      return token.toJwt();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Twirp base URL (http). */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The same server as a LiveKit signalling URL, as users write it in spec.livekit.url. */
  public String wsUrl() {
    return "ws://127.0.0.1:" + server.getAddress().getPort();
  }

  public void setFault(Fault fault) {
    this.fault = fault == null ? Fault.NONE : fault;
  }

  public Fault fault() {
    return fault;
  }

  /** Adds empty rooms (no participants), as a busy server has besides the agents' calls. */
  public void addIdleRooms(int count) {
    for (int i = 0; i < count; i++) {
      idleRooms.add("idle-" + idleRooms.size());
    }
  }

  /**
   * From now on, each call's agent is named ({@code lk.agent.name}) after the call's deployment,
   * for tests without a kubelet to say which agent a pod runs.
   */
  public void nameAgentsAfterDeployments() {
    agentsNamedAfterDeployments = true;
  }

  /** Requests received for a Twirp method (ListRooms, ListParticipants), answered or not. */
  public long requests(String method) {
    AtomicLong n = requests.get(method);
    return n == null ? 0 : n.get();
  }

  /** Requests turned away for their token. */
  public long rejected() {
    return rejected.get();
  }

  // ---- the rooms, from the ledger

  private record SimRoom(Room room, List<ParticipantInfo> participants) {}

  private List<SimRoom> rooms() {
    List<SimRoom> out = new ArrayList<>();
    for (CallRecord record : ledger.records()) {
      if (record.live()) {
        out.add(room(record.call()));
      }
    }
    for (String name : idleRooms) {
      out.add(new SimRoom(Room.newBuilder().setSid("RM_" + name).setName(name).build(), List.of()));
    }
    return out;
  }

  /** A call's room: the caller (STANDARD) and the agent (AGENT, second) with the worker's attributes. */
  private SimRoom room(Call call) {
    String name = "call-" + call.id();
    ParticipantInfo.Builder agent = ParticipantInfo.newBuilder()
        .setSid("PA_agent" + call.id())
        .setIdentity("agent-" + call.pod() + "-" + call.id())
        .setState(ParticipantInfo.State.ACTIVE)
        .setKind(ParticipantInfo.Kind.AGENT)
        .putAttributes(Names.LIVEKIT_ATTR_VERSION, call.version())
        .putAttributes(Names.LIVEKIT_ATTR_POD, call.pod());
    Optional<SimWorker> worker = kubelet == null ? Optional.empty() : kubelet.worker(call.namespace(), call.pod());
    worker.map(SimWorker::agentName).filter(n -> !n.isEmpty())
        .ifPresent(n -> agent.putAttributes(Names.LIVEKIT_ATTR_AGENT_NAME, n));
    if (agentsNamedAfterDeployments) {
      agent.putAttributes(Names.LIVEKIT_ATTR_AGENT_NAME, call.deployment());
    }
    ParticipantInfo caller = ParticipantInfo.newBuilder()
        .setSid("PA_caller" + call.id())
        .setIdentity("caller-" + call.id())
        .setState(ParticipantInfo.State.ACTIVE)
        .setKind(ParticipantInfo.Kind.STANDARD)
        .build();
    List<ParticipantInfo> participants = List.of(caller, agent.build());
    Room room = Room.newBuilder()
        .setSid("RM_" + call.id())
        .setName(name)
        .setCreationTime(call.start().getEpochSecond())
        .setNumParticipants(participants.size())
        .build();
    return new SimRoom(room, participants);
  }

  // ---- Twirp

  private void handle(HttpExchange exchange) {
    try {
      String path = exchange.getRequestURI().getPath();
      if (!"POST".equals(exchange.getRequestMethod()) || !path.startsWith(PREFIX)) {
        twirpError(exchange, 404, "bad_route", "no handler for " + exchange.getRequestMethod() + " " + path);
        exchange.close();
        return;
      }
      String method = path.substring(PREFIX.length());
      requests.computeIfAbsent(method, k -> new AtomicLong()).incrementAndGet();
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Fault f = fault;
      if (f == Fault.SLOW) {
        // Answered later, as the fault was when the request came; no thread waits meanwhile.
        delays.schedule(() -> {
          try {
            handlers.execute(() -> answer(exchange, path, method, body, f));
          } catch (RejectedExecutionException e) {
            exchange.close(); // closed meanwhile
          }
        }, SLOW_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      answer(exchange, path, method, body, f);
    } catch (IOException | RuntimeException e) {
      log.debug("fake LiveKit request failed", e);
      exchange.close();
    }
  }

  /** Answers a request whose body is read, under fault {@code f}, and closes the exchange. */
  private void answer(HttpExchange exchange, String path, String method, byte[] body, Fault f) {
    try (exchange) {
      switch (f) {
        case ERROR_500 -> {
          twirpError(exchange, 500, "internal", "simulated server error");
          return;
        }
        case WRONG_AUTH -> {
          rejected.incrementAndGet();
          twirpError(exchange, 401, "unauthenticated", "invalid token");
          return;
        }
        case GARBAGE -> {
          send(exchange, 200, "application/protobuf",
              "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8));
          return;
        }
        default -> { }
      }
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      if (contentType == null || !contentType.startsWith("application/protobuf")) {
        twirpError(exchange, 415, "bad_route", "unexpected Content-Type " + contentType);
        return;
      }
      JsonNode video;
      try {
        video = verify(exchange.getRequestHeaders().getFirst("Authorization"));
      } catch (SecurityException e) {
        rejected.incrementAndGet();
        twirpError(exchange, 401, "unauthenticated", e.getMessage());
        return;
      }
      switch (method) {
        case LIST_ROOMS -> listRooms(exchange, video, ListRoomsRequest.parseFrom(body));
        case LIST_PARTICIPANTS -> listParticipants(exchange, video, ListParticipantsRequest.parseFrom(body));
        default -> twirpError(exchange, 404, "bad_route", "no handler for " + path);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("fake LiveKit request failed", e);
    }
  }

  private void listRooms(HttpExchange exchange, JsonNode video, ListRoomsRequest request) throws IOException {
    if (!video.path("roomList").asBoolean(false)) {
      twirpError(exchange, 403, "permission_denied", "permissions denied");
      return;
    }
    ListRoomsResponse.Builder response = ListRoomsResponse.newBuilder();
    for (SimRoom r : rooms()) {
      if (request.getNamesCount() == 0 || request.getNamesList().contains(r.room().getName())) {
        response.addRooms(r.room());
      }
    }
    send(exchange, 200, "application/protobuf", response.build().toByteArray());
  }

  private void listParticipants(HttpExchange exchange, JsonNode video, ListParticipantsRequest request)
      throws IOException {
    if (!video.path("roomAdmin").asBoolean(false) || !request.getRoom().equals(video.path("room").asText(""))) {
      twirpError(exchange, 403, "permission_denied", "permissions denied");
      return;
    }
    Optional<SimRoom> room = rooms().stream().filter(r -> r.room().getName().equals(request.getRoom())).findFirst();
    if (room.isEmpty()) {
      twirpError(exchange, 404, "not_found", "requested room does not exist");
      return;
    }
    send(exchange, 200, "application/protobuf",
        ListParticipantsResponse.newBuilder().addAllParticipants(room.get().participants()).build().toByteArray());
  }

  /** The access-token check of the real server; returns the video grant. */
  private JsonNode verify(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      throw new SecurityException("authorization header must be Bearer <token>");
    }
    String token = authorization.substring("Bearer ".length()).trim();
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new SecurityException("malformed token");
    }
    try {
      JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      if (!"HS256".equals(header.path("alg").asText())) {
        throw new SecurityException("unsupported algorithm " + header.path("alg").asText());
      }
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(apiSecret, "HmacSHA256"));
      byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]))) {
        throw new SecurityException("invalid token signature");
      }
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!apiKey.equals(claims.path("iss").asText())) {
        throw new SecurityException("invalid API key");
      }
      long now = Instant.now().getEpochSecond();
      if (claims.has("exp") && claims.get("exp").asLong() < now - 10) {
        throw new SecurityException("token expired");
      }
      if (claims.has("nbf") && claims.get("nbf").asLong() > now + 10) {
        throw new SecurityException("token not valid yet");
      }
      JsonNode video = claims.path("video");
      if (!video.isObject()) {
        throw new SecurityException("token has no video grant");
      }
      return video;
    } catch (SecurityException e) {
      throw e;
    } catch (Exception e) {
      throw new SecurityException("malformed token");
    }
  }

  private static void twirpError(HttpExchange exchange, int status, String code, String msg) throws IOException {
    String body = JSON.createObjectNode().put("code", code).put("msg", msg).toString();
    send(exchange, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    delays.shutdownNow();
    handlers.shutdownNow();
    webhooks.shutdownNow();
  }
}
