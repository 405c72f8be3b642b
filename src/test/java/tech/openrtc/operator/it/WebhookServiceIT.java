package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.LeaderPodLabel;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.FakeLiveKitServer;
import tech.openrtc.operator.sim.PodDeletion;

/**
 * Service openrtc-operator-webhook (manifests/base/webhook-service.yaml) selects the leader's pod
 * only: the Lease holder labels its own pod, the standby's is not selected, and after a handover
 * the label moves. A webhook sent where the Service points ends a drain before the next poll.
 */
class WebhookServiceIT {

  private static final Path WEBHOOK_SERVICE = Path.of("manifests", "base", "webhook-service.yaml");

  @Test
  void theWebhookServiceSelectsTheLeaderAcrossAHandoverAndItsWebhooksEndADrain() throws Exception {
    Map<String, String> selector = Serialization.unmarshal(Files.readString(WEBHOOK_SERVICE), Service.class)
        .getSpec().getSelector();
    assertThat(selector).containsEntry(LeaderPodLabel.LABEL, "true");
    try (OperatorTestSupport t = OperatorTestSupport.startWithoutOperator()) {
      AgentOperator a = t.startReplicaInPod("a");
      await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
      AgentOperator b = t.startReplicaInPod("b");
      await().atMost(Duration.ofSeconds(5)).until(() -> selected(t, selector).equals(List.of("a")));
      // The standby's pod stays out, however long it waits.
      Thread.sleep(1000);
      assertThat(b.isLeader()).isFalse();
      assertThat(selected(t, selector)).containsExactly("a");
      assertThat(labels(t, "b")).doesNotContainKey(LeaderPodLabel.LABEL);

      // Shutting down takes the label off before the Lease expires; the standby then takes over.
      a.close();
      assertThat(labels(t, "a")).doesNotContainKey(LeaderPodLabel.LABEL);
      assertThat(selected(t, selector)).doesNotContain("a");
      await().atMost(Duration.ofSeconds(15)).until(b::isLeader);
      await().atMost(Duration.ofSeconds(5)).until(() -> selected(t, selector).equals(List.of("b")));

      // LiveKit sends to where the Service points: the new leader acts on the call's end (a call
      // longer than the time from the version change to the drain mark, so it ends mid-drain).
      AgentOperator target = Map.of("a", a, "b", b).get(selected(t, selector).get(0));
      FakeLiveKitServer liveKit = t.sim.liveKit(LiveKitIT.KEY, LiveKitIT.SECRET);
      Base64.Encoder b64 = Base64.getEncoder();
      t.user.secrets().inNamespace(NS).resource(new SecretBuilder()
          .withNewMetadata().withName("livekit").withNamespace(NS).endMetadata()
          .addToData("api-key", b64.encodeToString(LiveKitIT.KEY.getBytes(StandardCharsets.UTF_8)))
          .addToData("api-secret", b64.encodeToString(LiveKitIT.SECRET.getBytes(StandardCharsets.UTF_8)))
          .build()).create();
      AgentDeployment d = LiveKitIT.livekitDeployment("hook", "v1", 1, liveKit.wsUrl());
      d.getSpec().getDrain().setPollSeconds(20);
      t.create(d);
      t.awaitHealthyAt("hook", "v1", Duration.ofSeconds(20));
      liveKit.sendWebhooksTo("http://127.0.0.1:" + target.httpPort() + "/livekit/webhook");
      CallGenerator calls = t.sim.calls(NS, "hook", CallProfile.manual());
      assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();
      String old = t.pods("hook").get(0).getMetadata().getName();

      t.setVersion("hook", "v2");
      Instant drainStarted = t.awaitDrainTime(old, Names.ANNOTATION_DRAIN_STARTED_AT);
      t.awaitHealthyAt("hook", "v2", Duration.ofSeconds(18));
      PodDeletion deletion = t.sim.requests().podDeletions().stream()
          .filter(x -> x.name().equals(old)).findFirst().orElseThrow();
      assertThat(deletion.at()).as("deleted on the webhook, not at the next 20 s poll")
          .isAfter(t.sim.ledger().lastCallEndOnPod(NS, old).orElseThrow()).isBefore(drainStarted.plusSeconds(20));
      assertThat(liveKit.webhooksSent()).isPositive();
      assertThat(b.webhooks().accepted()).isPositive();
      assertThat(status(b, "/livekit/webhook")).as("the leader handles webhooks: an unsigned one is 401, not a standby's 503").isEqualTo(401);
      t.assertNoCallCut();
    }
  }

  /** Names of the operator pods the webhook Service's selector matches, as its endpoints would list them. */
  private static List<String> selected(OperatorTestSupport t, Map<String, String> selector) {
    return t.user.pods().inNamespace(AgentOperator.DEFAULT_NAMESPACE).withLabels(selector).list().getItems().stream()
        .map(p -> p.getMetadata().getName()).sorted().toList();
  }

  private static Map<String, String> labels(OperatorTestSupport t, String pod) {
    Pod p = t.user.pods().inNamespace(AgentOperator.DEFAULT_NAMESPACE).withName(pod).get();
    return p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
  }

  private static int status(AgentOperator operator, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
