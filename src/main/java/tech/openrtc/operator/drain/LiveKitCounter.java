package tech.openrtc.operator.drain;

import io.livekit.server.RoomServiceClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import okhttp3.OkHttpClient;
import retrofit2.Call;
import retrofit2.Response;
import tech.openrtc.operator.api.Names;

/**
 * Counts AgentDeployments' live calls on their LiveKit servers with the SDK's
 * {@link RoomServiceClient}. One scan of a server is one ListRooms, then ListParticipants
 * (concurrently) only for rooms with participants; it keeps every AGENT participant that names a
 * version, so all the deployments on that server count their own agents from the same scan. Every
 * call is bounded by a short timeout; any error, timeout or unreadable answer makes the whole scan
 * unknown, never 0.
 *
 * <p>Deployments on one server share scans: an ask reuses the server's latest scan if it started
 * at most {@code maxAge} before the ask (done, or still in progress: concurrent askers wait on the
 * same one), else starts a new one. A reading is therefore at most {@code maxAge} older than its
 * ask. A failed scan answers the askers that shared it and is then dropped, so the next ask tries
 * again; {@link #invalidate} drops a server's scan when a webhook says a call ended.
 */
public class LiveKitCounter implements AutoCloseable {

  static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1000);
  static final Duration CALL_TIMEOUT = Duration.ofMillis(2000);
  /** Bound on one whole scan (ListRooms, then the ListParticipants calls in parallel). */
  static final Duration POLL_TIMEOUT = CALL_TIMEOUT.multipliedBy(2).plusMillis(500);
  private static final int MAX_CLIENTS = 64;

  // ListParticipants calls wait on the network, one per occupied room: enough threads that a
  // server with many rooms does not queue every deployment's poll behind one another.
  private final ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
    Thread t = new Thread(r, "livekit-count");
    t.setDaemon(true);
    return t;
  });
  private final OkHttpClient http = new OkHttpClient.Builder()
      .connectTimeout(CONNECT_TIMEOUT)
      .readTimeout(CALL_TIMEOUT)
      .writeTimeout(CALL_TIMEOUT)
      .callTimeout(CALL_TIMEOUT)
      .retryOnConnectionFailure(false)
      .build();
  private final Map<LiveKitCredentials, RoomServiceClient> clients = new ConcurrentHashMap<>();
  /** Per server, its latest scan; guarded by itself. */
  private final Map<LiveKitCredentials, Scan> scans = new HashMap<>();
  private final AtomicLong listRooms = new AtomicLong();
  private final AtomicLong listParticipants = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  /** One scan of a server, from when it started; its result is shared by every asker. */
  private record Scan(long startedNanos, CompletableFuture<Agents> result) {}

  /** What a scan saw: the AGENT participants naming a version, and the rooms it looked at. */
  private record Agents(List<ParticipantInfo> agents, int rooms, int roomsQueried) {}

  /**
   * The agents of {@code agentName} (any agent when null) that name a version, per pod and per
   * version, from a scan of the server that started at most {@code maxAge} ago.
   */
  public LiveKitCounts count(LiveKitCredentials credentials, String agentName, Duration maxAge) {
    long asked = System.nanoTime();
    Scan scan = scan(credentials, maxAge, asked);
    try {
      // The scan bounds itself by POLL_TIMEOUT from its start, which is no later than this ask.
      long left = Math.max(0, asked + POLL_TIMEOUT.toNanos() - System.nanoTime());
      return counts(scan.result().get(left, TimeUnit.NANOSECONDS), agentName);
    } catch (java.util.concurrent.TimeoutException e) {
      return LiveKitCounts.failed("timed out after " + POLL_TIMEOUT.toMillis() + " ms");
    } catch (java.util.concurrent.ExecutionException e) {
      return LiveKitCounts.failed(message(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return LiveKitCounts.failed(message(e));
    }
  }

  /** Drops the server's scan (done or in progress): the next ask reads the server afresh. */
  public void invalidate(LiveKitCredentials credentials) {
    synchronized (scans) {
      scans.remove(credentials);
    }
  }

  /** The server's latest scan if recent enough, else a new one, run on this thread. */
  private Scan scan(LiveKitCredentials credentials, Duration maxAge, long asked) {
    Scan scan;
    synchronized (scans) {
      Scan latest = scans.get(credentials);
      if (latest != null && asked - latest.startedNanos() <= maxAge.toNanos()) {
        return latest;
      }
      if (scans.size() > MAX_CLIENTS) {
        scans.clear(); // as for clients: rotated secrets leave old entries behind
      }
      scan = new Scan(System.nanoTime(), new CompletableFuture<>());
      scans.put(credentials, scan);
    }
    try {
      scan.result().complete(run(credentials, scan.startedNanos()));
    } catch (Exception e) {
      errors.incrementAndGet();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // Not kept for later askers: they try again. Dropped first, so none of them picks it up.
      synchronized (scans) {
        scans.remove(credentials, scan);
      }
      scan.result().completeExceptionally(e);
    }
    return scan;
  }

  /** One scan: ListRooms, then ListParticipants of the occupied rooms, by {@link #POLL_TIMEOUT}. */
  private Agents run(LiveKitCredentials credentials, long started) throws Exception {
    long deadline = started + POLL_TIMEOUT.toNanos();
    RoomServiceClient client = client(credentials);
    listRooms.incrementAndGet();
    List<Room> rooms = execute(client.listRooms(), "ListRooms");
    List<Room> occupied = rooms.stream().filter(r -> r.getNumParticipants() > 0).toList();
    List<CompletableFuture<List<ParticipantInfo>>> pending = new ArrayList<>();
    List<Call<List<ParticipantInfo>>> calls = new ArrayList<>();
    for (Room room : occupied) {
      Call<List<ParticipantInfo>> call = client.listParticipants(room.getName());
      calls.add(call);
      listParticipants.incrementAndGet();
      pending.add(CompletableFuture.supplyAsync(() -> participants(call, room.getName()), executor));
    }
    List<ParticipantInfo> agents = new ArrayList<>();
    try {
      for (CompletableFuture<List<ParticipantInfo>> future : pending) {
        long left = Math.max(0, deadline - System.nanoTime());
        try {
          future.get(left, TimeUnit.NANOSECONDS).stream().filter(p -> ours(p, null)).forEach(agents::add);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException("timed out after " + POLL_TIMEOUT.toMillis() + " ms");
        }
      }
    } finally {
      calls.forEach(Call::cancel);
    }
    return new Agents(List.copyOf(agents), rooms.size(), occupied.size());
  }

  private static LiveKitCounts counts(Agents scan, String agentName) {
    Map<String, Integer> byPod = new HashMap<>();
    Map<String, Integer> byVersion = new HashMap<>();
    Map<String, Integer> unattributed = new HashMap<>();
    for (ParticipantInfo p : scan.agents()) {
      if (!ours(p, agentName)) {
        continue;
      }
      String version = p.getAttributesMap().get(Names.LIVEKIT_ATTR_VERSION);
      String pod = p.getAttributesMap().get(Names.LIVEKIT_ATTR_POD);
      byVersion.merge(version, 1, Integer::sum);
      if (pod == null || pod.isBlank()) {
        unattributed.merge(version, 1, Integer::sum);
      } else {
        byPod.merge(pod, 1, Integer::sum);
      }
    }
    return new LiveKitCounts(null, Map.copyOf(byPod), Map.copyOf(byVersion), Map.copyOf(unattributed),
        scan.rooms(), scan.roomsQueried());
  }

  /** An AGENT participant that names a version, of the given agent when one is named. */
  static boolean ours(ParticipantInfo p, String agentName) {
    if (p.getKind() != ParticipantInfo.Kind.AGENT) {
      return false;
    }
    String version = p.getAttributesMap().get(Names.LIVEKIT_ATTR_VERSION);
    if (version == null || version.isBlank()) {
      return false;
    }
    return agentName == null || agentName.equals(p.getAttributesMap().get(Names.LIVEKIT_ATTR_AGENT_NAME));
  }

  private List<ParticipantInfo> participants(Call<List<ParticipantInfo>> call, String room) {
    try {
      Response<List<ParticipantInfo>> response = call.execute();
      if (response.code() == 404) {
        return List.of(); // the room finished since ListRooms: nobody is in it
      }
      return checked(response, "ListParticipants(" + room + ")");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static <T> List<T> execute(Call<List<T>> call, String what) throws java.io.IOException {
    return checked(call.execute(), what);
  }

  private static <T> List<T> checked(Response<List<T>> response, String what) {
    if (!response.isSuccessful()) {
      throw new IllegalStateException(what + ": HTTP " + response.code());
    }
    if (response.body() == null) {
      throw new IllegalStateException(what + ": empty answer");
    }
    return response.body();
  }

  private RoomServiceClient client(LiveKitCredentials credentials) {
    if (clients.size() > MAX_CLIENTS) {
      clients.clear(); // rotated secrets leave old entries behind; rebuilding one is cheap
    }
    return clients.computeIfAbsent(credentials,
        c -> RoomServiceClient.createClient(c.httpUrl(), c.apiKey(), c.apiSecret(), () -> http));
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof java.io.UncheckedIOException u && u.getCause() != null) {
      t = u.getCause();
    }
    String m = t.getMessage();
    return t instanceof IllegalStateException ? m : t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  public long listRoomsSent() {
    return listRooms.get();
  }

  public long listParticipantsSent() {
    return listParticipants.get();
  }

  public long errors() {
    return errors.get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
