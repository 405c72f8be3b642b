package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.LiveKitInFlightSource;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.Fault;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.SimWorker;
import tech.openrtc.operator.sim.FakeLiveKitServer;

/** The livekit in-flight source against the fake LiveKit server fed by the simulated calls. */
class LiveKitIT extends OperatorIT {

  static final String KEY = "APIoperatortest";
  static final String SECRET = "operator-test-secret-0123456789abcdefgh";

  static AgentDeployment livekitDeployment(String name, String version, int replicas, String url) {
    AgentDeployment d = deployment(name, version, replicas);
    InFlightSpec inFlight = new InFlightSpec();
    inFlight.setLivekit(new LiveKitInFlightSource());
    d.getSpec().getDrain().setInFlight(inFlight);
    LiveKitSpec livekit = new LiveKitSpec();
    livekit.setUrl(url);
    SecretRef ref = new SecretRef();
    ref.setName("livekit");
    livekit.setSecretRef(ref);
    d.getSpec().setLivekit(livekit);
    return d;
  }

  private void createSecret() {
    Base64.Encoder b64 = Base64.getEncoder();
    t.user.secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName("livekit").withNamespace(NS).endMetadata()
        .addToData("api-key", b64.encodeToString(KEY.getBytes(StandardCharsets.UTF_8)))
        .addToData("api-secret", b64.encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)))
        .build()).create();
  }

  private Condition liveKitCondition(String name) {
    return condition(name, "LiveKitUnavailable");
  }

  /** A fake LiveKit server, its Secret, and a livekit-source deployment healthy at v1 reading it. */
  private FakeLiveKitServer healthyOnLiveKit(String name, int replicas) {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    createSecret();
    t.create(livekitDeployment(name, "v1", replicas, liveKit.wsUrl()));
    t.awaitHealthyAt(name, "v1", Duration.ofSeconds(20));
    return liveKit;
  }

  @Test
  void aRolloutDrainedByTheLiveKitSourceCutsNoCall() {
    FakeLiveKitServer liveKit = healthyOnLiveKit("lk", 3);

    t.sim.calls(NS, "lk", CallProfile.uniform(8, Duration.ofMillis(500), Duration.ofSeconds(3)));
    await().atMost(Duration.ofSeconds(5)).until(() -> t.sim.ledger().live() > 0);
    long roomsBefore = liveKit.requests(FakeLiveKitServer.LIST_ROOMS);

    t.setVersion("lk", "v2");
    AgentDeployment done = t.awaitHealthyAt("lk", "v2", Duration.ofSeconds(40));

    assertThat(t.pods("lk")).hasSize(3).allMatch(p -> version(p).equals("v2"));
    assertThat(t.sim.ledger().started()).isGreaterThan(10);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
    // The drain was read from LiveKit, through the SDK's authenticated requests.
    assertThat(liveKit.requests(FakeLiveKitServer.LIST_ROOMS)).isGreaterThan(roomsBefore);
    assertThat(liveKit.requests(FakeLiveKitServer.LIST_PARTICIPANTS)).isPositive();
    assertThat(liveKit.rejected()).isZero();
    assertThat(liveKitCondition("lk")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("CredentialsResolved");
    });
    assertThat(Serialization.asJson(done.getStatus())).doesNotContain(SECRET);
  }

  @Test
  void aMissingSecretIsAConditionAndKeepsTheOldPodsUntilItAppears() {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    t.create(livekitDeployment("nosecret", "v1", 2, liveKit.url()));
    t.awaitHealthyAt("nosecret", "v1", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(() -> liveKitCondition("nosecret") != null);
    assertThat(liveKitCondition("nosecret")).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("SecretUnavailable");
      assertThat(c.getMessage()).contains("Secret voice/livekit not found");
    });

    t.setVersion("nosecret", "v2");
    t.awaitPhase("nosecret", Phase.Draining, Duration.ofSeconds(20));
    // No reading: unknown is never 0, so the idle old pods stay for several polls.
    long deadline = System.currentTimeMillis() + 3500;
    while (System.currentTimeMillis() < deadline) {
      assertThat(t.pods("nosecret", p -> version(p).equals("v1"))).hasSize(2);
      sleep(250);
    }
    assertThat(liveKit.requests(FakeLiveKitServer.LIST_ROOMS)).isZero();
    assertThat(t.get("nosecret").getStatus().getPhase()).isEqualTo(Phase.Draining);

    // The Secret appears: LiveKit reads 0 for the idle old pods and they go.
    createSecret();
    t.awaitHealthyAt("nosecret", "v2", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(() -> "False".equals(liveKitCondition("nosecret").getStatus()));
    assertThat(liveKit.requests(FakeLiveKitServer.LIST_ROOMS)).isPositive();
    t.assertNoBusyPodDeleted();
  }

  private static AgentDeployment crossCheckedDeployment(String name, int replicas, String url) {
    AgentDeployment d = livekitDeployment(name, "v1", replicas, url);
    InFlightSpec inFlight = d.getSpec().getDrain().getInFlight();
    inFlight.setHttp(new HttpInFlightSource());
    inFlight.setCrossCheck(true);
    return d;
  }

  private Condition condition(String name, String type) {
    AgentDeployment d = t.get(name);
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return null;
    }
    return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  @Test
  void crossCheckKeepsThePodOfAWorkerThatLiesAboutZeroAndWarns() {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    createSecret();
    t.create(crossCheckedDeployment("xc", 1, liveKit.wsUrl()));
    t.awaitHealthyAt("xc", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "xc", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(11))).isPresent();
    Pod oldPod = t.pods("xc").get(0);
    SimWorker liar = t.sim.kubelet().worker(NS, oldPod.getMetadata().getName()).orElseThrow();
    liar.setFault(Fault.LIE_ZERO);

    t.setVersion("xc", "v2");
    // Its endpoint says 0, LiveKit still has its agent in the room: kept, and reported after two
    // polls once it is marked and settled (the new pod has had its 3 s to see role=active first, and
    // the marked one its 3 s to see the mark).
    await().atMost(Duration.ofSeconds(6).plus(tech.openrtc.operator.reconcile.RolloutPlanner.ROLE_SETTLE.multipliedBy(2)))
        .until(() -> "True".equals(Optional.ofNullable(condition("xc", "InFlightSourcesDisagree"))
            .map(Condition::getStatus).orElse(null)));
    assertThat(condition("xc", "InFlightSourcesDisagree").getMessage())
        .contains(liar.podName()).contains("worker endpoint reads 0, LiveKit reads 1");
    assertThat(t.sim.ledger().liveOnPod(NS, liar.podName())).isEqualTo(1);
    assertThat(t.user.pods().inNamespace(NS).withName(liar.podName()).get()).isNotNull();
    assertThat(t.user.v1().events().inNamespace(NS).list().getItems()).filteredOn(
        e -> "worker.inflight_disagreement".equals(e.getReason())).singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains(liar.podName());
        });

    // The call ends: both read 0 and the pod goes, nothing cut.
    t.awaitHealthyAt("xc", "v2", Duration.ofSeconds(20));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> "False".equals(condition("xc", "InFlightSourcesDisagree").getStatus()));
  }

  @Test
  void aLiveKitServerThatFailsKeepsTheOldPodsUntilTheirDeadline() {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    createSecret();
    AgentDeployment d = livekitDeployment("down", "v1", 1, liveKit.wsUrl());
    d.getSpec().getDrain().setTimeoutSeconds(5);
    d.getSpec().getDrain().setOnTimeout(OnTimeout.Terminate);
    d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(1L);
    t.create(d);
    t.awaitHealthyAt("down", "v1", Duration.ofSeconds(20));
    String old = t.pods("down").get(0).getMetadata().getName();
    liveKit.setFault(FakeLiveKitServer.Fault.ERROR_500);

    t.setVersion("down", "v2");
    Instant deadline = t.awaitDrainTime(old, Names.ANNOTATION_DRAIN_DEADLINE);

    // Idle, but the server cannot say so: unknown is never 0.
    t.awaitHealthyAt("down", "v2", Duration.ofSeconds(20));
    PodDeletion deletion = t.sim.requests().podDeletions().stream()
        .filter(x -> x.name().equals(old)).findFirst().orElseThrow();
    assertThat(deletion.at()).isAfterOrEqualTo(deadline);
    assertThat(liveKit.requests(FakeLiveKitServer.LIST_ROOMS)).isGreaterThan(1);
    t.assertNoCallCut();
  }

  @Test
  void aSignedWebhookEndsTheDrainBeforeTheNextPollAndAForgedOneIsRejected() throws Exception {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    createSecret();
    AgentDeployment d = livekitDeployment("hook", "v1", 1, liveKit.wsUrl());
    d.getSpec().getDrain().setPollSeconds(20);
    t.create(d);
    t.awaitHealthyAt("hook", "v1", Duration.ofSeconds(20));
    String webhookUrl = "http://127.0.0.1:" + t.operator().httpPort() + "/livekit/webhook";
    liveKit.sendWebhooksTo(webhookUrl);
    CapturedLogs logs = new CapturedLogs();
    closeAfter = logs;
    CallGenerator calls = t.sim.calls(NS, "hook", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(4))).isPresent();
    String old = t.pods("hook").get(0).getMetadata().getName();

    t.setVersion("hook", "v2");
    Instant drainStarted = t.awaitDrainTime(old, Names.ANNOTATION_DRAIN_STARTED_AT);

    // A forged "room finished" is turned away and changes nothing.
    String forgedBody = "{\"event\":\"room_finished\",\"room\":{\"name\":\"call-1\"}}";
    long reprobesBefore = t.operator().webhooks().reprobes();
    HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(webhookUrl))
        .header("Authorization", FakeLiveKitServer.webhookToken(forgedBody, KEY, "forged-secret-0123456789abcdefghijklmn"))
        .POST(HttpRequest.BodyPublishers.ofString(forgedBody)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(t.operator().webhooks().rejected()).isEqualTo(1);
    assertThat(t.operator().webhooks().reprobes()).isEqualTo(reprobesBefore);
    assertThat(t.user.pods().inNamespace(NS).withName(old).get()).isNotNull();

    // The call ends; its webhooks bring the delete well before the next 20 s poll would have.
    t.awaitHealthyAt("hook", "v2", Duration.ofSeconds(15));
    List<String> audit = logs.lines("audit");
    logs.close();
    PodDeletion deletion = t.sim.requests().podDeletions().stream()
        .filter(x -> x.name().equals(old)).findFirst().orElseThrow();
    Instant callEnded = t.sim.ledger().lastCallEndOnPod(NS, old).orElseThrow();
    assertThat(deletion.at()).isAfter(callEnded).isBefore(drainStarted.plusSeconds(20));
    assertThat(liveKit.webhooksSent()).isPositive();
    // Which version handled the call, from the webhook.
    assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"event\":\"call.handled\"")
        .contains("\"version\":\"v1\"").contains("\"pod\":\"" + old + "\"").contains("\"room\":\"call-"));
    assertThat(t.operator().webhooks().accepted()).isPositive();
    assertThat(t.operator().webhooks().reprobes()).isGreaterThan(reprobesBefore);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void requestsPerPollStayBoundedAsIdleRoomsGrow() {
    FakeLiveKitServer liveKit = healthyOnLiveKit("many", 3);
    CallGenerator calls = t.sim.calls(NS, "many", CallProfile.manual());
    for (int i = 0; i < 3; i++) {
      assertThat(calls.placeCall(Duration.ofSeconds(12))).isPresent();
    }
    t.setVersion("many", "v2");
    t.awaitPhase("many", Phase.Draining, Duration.ofSeconds(15));
    // Past the hand-over: the old pods are marked, so every poll reads them.
    await().atMost(Duration.ofSeconds(10)).until(() -> t.get("many").getStatus().getDrainingReplicas() > 0);

    long[] few = window(liveKit, 2500);
    liveKit.addIdleRooms(500);
    long[] many = window(liveKit, 2500);

    for (long[] w : List.of(few, many)) {
      long rounds = w[0];
      assertThat(rounds).as("probe rounds").isPositive();
      // One ListRooms per poll for all of the deployment's pods, not one per pod...
      assertThat(w[1]).as("ListRooms").isBetween(1L, rounds);
      // ...and ListParticipants only for the rooms holding someone (the 3 calls), never the idle
      // ones (a round cut by the window's edge counts on one side only: one round of slack).
      assertThat(w[2]).as("ListParticipants").isLessThanOrEqualTo(3 * (rounds + 1));
    }
    assertThat(t.sim.ledger().live()).isEqualTo(3);
    t.assertNoBusyPodDeleted();
  }

  /** Probe rounds, ListRooms and ListParticipants during the next {@code ms}. */
  private long[] window(FakeLiveKitServer liveKit, long ms) {
    long rounds = t.operator().prober().rounds();
    long rooms = liveKit.requests(FakeLiveKitServer.LIST_ROOMS);
    long participants = liveKit.requests(FakeLiveKitServer.LIST_PARTICIPANTS);
    sleep(ms);
    return new long[] {t.operator().prober().rounds() - rounds,
        liveKit.requests(FakeLiveKitServer.LIST_ROOMS) - rooms,
        liveKit.requests(FakeLiveKitServer.LIST_PARTICIPANTS) - participants};
  }

  private AutoCloseable closeAfter;

  @AfterEach
  void closeLogs() throws Exception {
    if (closeAfter != null) {
      closeAfter.close();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
