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
import java.util.Base64;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.LiveKitInFlightSource;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.FakeLiveKitServer;

/** The livekit in-flight source against the fake LiveKit server fed by the simulated calls. */
class LiveKitIT extends OperatorIT {

  static final String KEY = "APIoperatortest";
  static final String SECRET = "operator-test-secret-0123456789abcdefgh";

  private static AgentDeployment livekitDeployment(String name, String version, int replicas, String url) {
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
    AgentDeployment d = t.get(name);
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return null;
    }
    return d.getStatus().getConditions().stream()
        .filter(c -> "LiveKitUnavailable".equals(c.getType())).findFirst().orElse(null);
  }

  @Test
  void aRolloutDrainedByTheLiveKitSourceCutsNoCall() {
    FakeLiveKitServer liveKit = t.sim.liveKit(KEY, SECRET);
    createSecret();
    t.create(livekitDeployment("lk", "v1", 3, liveKit.wsUrl()));
    t.awaitHealthyAt("lk", "v1", Duration.ofSeconds(20));

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

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
