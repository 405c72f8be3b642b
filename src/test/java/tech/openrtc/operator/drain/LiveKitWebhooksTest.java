package tech.openrtc.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitWebhook.WebhookEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.FakeLiveKitServer;

class LiveKitWebhooksTest {

  static final String KEY = "APIwebhooktest";
  static final String SECRET = "webhook-test-secret-0123456789abcdefghij";
  static final LiveKitCredentials CREDENTIALS = new LiveKitCredentials("ws://lk:7880", KEY, SECRET);

  final List<LiveKitWebhooks.Subscription> reprobed = new ArrayList<>();
  final List<LiveKitWebhooks.Handled> audited = new ArrayList<>();
  final LiveKitWebhooks webhooks = new LiveKitWebhooks(reprobed::add, audited::add);

  @BeforeEach
  void subscribe() {
    webhooks.update(new LiveKitWebhooks.Subscription("voice", "draining", CREDENTIALS, "support",
        Set.of("support-abc-1")));
    webhooks.update(new LiveKitWebhooks.Subscription("voice", "draining-elsewhere", CREDENTIALS, "support",
        Set.of("support-xyz-9")));
    webhooks.update(new LiveKitWebhooks.Subscription("voice", "idle", CREDENTIALS, "support", Set.of()));
    webhooks.update(new LiveKitWebhooks.Subscription("voice", "other-agent", CREDENTIALS, "sales", Set.of("sales-1")));
  }

  static String json(WebhookEvent event) throws Exception {
    return JsonFormat.printer().print(event);
  }

  static WebhookEvent agentLeft(String agentName) {
    return WebhookEvent.newBuilder().setEvent("participant_left").setId("EV_1")
        .setRoom(Room.newBuilder().setName("call-7"))
        .setParticipant(ParticipantInfo.newBuilder().setIdentity("agent-7").setKind(ParticipantInfo.Kind.AGENT)
            .putAttributes(Names.LIVEKIT_ATTR_VERSION, "v1")
            .putAttributes(Names.LIVEKIT_ATTR_POD, "support-abc-1")
            .putAttributes(Names.LIVEKIT_ATTR_AGENT_NAME, agentName))
        .build();
  }

  @Test
  void aSignedCallEndReprobesOnlyTheDeploymentDrainingThatPodAndAuditsTheVersion() throws Exception {
    String body = json(agentLeft("support"));
    LiveKitWebhooks.Outcome outcome = webhooks.receive(body, FakeLiveKitServer.webhookToken(body, KEY, SECRET));

    assertThat(outcome.status()).isEqualTo(200);
    assertThat(reprobed).extracting(LiveKitWebhooks.Subscription::name).containsExactly("draining");
    assertThat(audited).singleElement().satisfies(h -> {
      assertThat(h.room()).isEqualTo("call-7");
      assertThat(h.version()).isEqualTo("v1");
      assertThat(h.pod()).isEqualTo("support-abc-1");
      assertThat(h.event()).isEqualTo("participant_left");
      assertThat(h.deployments()).extracting(LiveKitWebhooks.Subscription::name)
          .containsExactlyInAnyOrder("draining", "draining-elsewhere", "idle");
    });
    assertThat(webhooks.accepted()).isEqualTo(1);
    assertThat(webhooks.rejected()).isZero();
  }

  @Test
  void roomFinishedReprobesEveryDrainingDeploymentOnThatServer() throws Exception {
    String body = json(WebhookEvent.newBuilder().setEvent("room_finished")
        .setRoom(Room.newBuilder().setName("call-7")).build());
    assertThat(webhooks.receive(body, "Bearer " + FakeLiveKitServer.webhookToken(body, KEY, SECRET)).status())
        .isEqualTo(200);
    assertThat(reprobed).extracting(LiveKitWebhooks.Subscription::name)
        .containsExactlyInAnyOrder("draining", "draining-elsewhere", "other-agent");
    assertThat(audited).isEmpty();
  }

  @Test
  void anAgentWithoutAPodReprobesEveryDrainingDeploymentOfItsAgentName() throws Exception {
    WebhookEvent noPod = agentLeft("support").toBuilder()
        .setParticipant(agentLeft("support").getParticipant().toBuilder().removeAttributes(Names.LIVEKIT_ATTR_POD))
        .build();
    String body = json(noPod);
    assertThat(webhooks.receive(body, FakeLiveKitServer.webhookToken(body, KEY, SECRET)).status()).isEqualTo(200);
    assertThat(reprobed).extracting(LiveKitWebhooks.Subscription::name)
        .containsExactlyInAnyOrder("draining", "draining-elsewhere");
  }

  @Test
  void eventsThatEndNoCallTriggerNothing() throws Exception {
    String body = json(agentLeft("support").toBuilder().setEvent("participant_joined").build());
    assertThat(webhooks.receive(body, FakeLiveKitServer.webhookToken(body, KEY, SECRET)).status()).isEqualTo(200);
    assertThat(reprobed).isEmpty();
    assertThat(audited).hasSize(1);
  }

  @Test
  void forgedTamperedUnsignedOrUnknownWebhooksAreRejectedCountedAndNeverActedOn() throws Exception {
    String body = json(agentLeft("support"));
    String forged = FakeLiveKitServer.webhookToken(body, KEY, "not-the-secret-0123456789abcdefghijklmn");
    String otherKey = FakeLiveKitServer.webhookToken(body, "APIsomeoneelse", SECRET);
    String tampered = FakeLiveKitServer.webhookToken(body, KEY, SECRET);
    String otherBody = json(agentLeft("sales"));

    assertThat(webhooks.receive(body, forged).status()).isEqualTo(401);
    assertThat(webhooks.receive(body, otherKey).status()).isEqualTo(401);
    assertThat(webhooks.receive(otherBody, tampered).status()).isEqualTo(401);
    assertThat(webhooks.receive(body, null).status()).isEqualTo(401);
    assertThat(webhooks.receive(body, "").status()).isEqualTo(401);
    assertThat(webhooks.receive(body, "not-a-jwt").status()).isEqualTo(401);

    assertThat(webhooks.rejected()).isEqualTo(6);
    assertThat(webhooks.accepted()).isZero();
    assertThat(reprobed).isEmpty();
    assertThat(audited).isEmpty();
  }

  @Test
  void aDeploymentWithoutCredentialsNoLongerReceives() throws Exception {
    webhooks.update(new LiveKitWebhooks.Subscription("voice", "draining", null, "support", Set.of("support-abc-1")));
    webhooks.forget("voice", "draining-elsewhere");
    webhooks.forget("voice", "idle");
    webhooks.forget("voice", "other-agent");
    String body = json(agentLeft("support"));
    assertThat(webhooks.receive(body, FakeLiveKitServer.webhookToken(body, KEY, SECRET)).status()).isEqualTo(401);
    assertThat(webhooks.rejected()).isEqualTo(1);
    assertThat(reprobed).isEmpty();
  }

  @Test
  void aRejectionNeverQuotesTheSecret() throws Exception {
    String body = json(agentLeft("support"));
    LiveKitWebhooks.Outcome outcome = webhooks.receive(body,
        FakeLiveKitServer.webhookToken(body, KEY, "not-the-secret-0123456789abcdefghijklmn"));
    assertThat(outcome.message()).startsWith("webhook rejected").doesNotContain(SECRET)
        .doesNotContain("not-the-secret");
  }
}
