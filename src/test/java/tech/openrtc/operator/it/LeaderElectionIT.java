package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.OPERATOR_UA;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.LeaderElection;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.RecordedCall;

/** Two replicas with leader election: only the Lease holder reconciles, and a standby finishes what it left. */
class LeaderElectionIT {

  @Test
  void theStandbyTakesOverMidDrainAndFinishesWithoutCuttingACall() throws Exception {
    try (OperatorTestSupport t = OperatorTestSupport.startWithoutOperator()) {
      AgentOperator a = t.startReplica("a");
      await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
      AgentOperator b = t.startReplica("b");
      // A standby is ready (caches synced, HTTP up) and publishes the leader's verification keys.
      assertThat(status(b, "GET", "/readyz")).isEqualTo(200);
      // It does not reconcile, so LiveKit webhooks are the leader's: 503, not counted as rejected.
      assertThat(status(b, "POST", "/livekit/webhook")).isEqualTo(503);
      assertThat(b.webhooks().rejected()).isZero();
      assertThat(b.signingKeys().keys().current().kid()).isEqualTo(a.signingKeys().keys().current().kid());

      t.create(deployment("ha", "v1", 2));
      t.awaitHealthyAt("ha", "v1", Duration.ofSeconds(20));
      CallGenerator calls = t.sim.calls(NS, "ha", CallProfile.manual());
      // Calls longer than the handover keep old pods draining after the leader is gone.
      assertThat(calls.placeCall(Duration.ofSeconds(12))).isPresent();
      assertThat(calls.placeCall(Duration.ofSeconds(12))).isPresent();
      t.sim.calls(NS, "ha", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));

      t.setVersion("ha", "v2");
      t.awaitPhase("ha", Phase.Draining, Duration.ofSeconds(15));
      await().atMost(Duration.ofSeconds(5)).until(() -> !t.pods("ha", OperatorTestSupport::draining).isEmpty());
      assertThat(b.isLeader()).isFalse();
      assertThat(writes(t, "a")).as("the leader's writes").contains("patch pods", "create pods");
      assertThat(writes(t, "b")).as("writes by the standby (JOSDK's Lease-rights check aside)")
          .allMatch("create selfsubjectrulesreviews"::equals);

      a.close();
      assertThat(t.pods("ha", OperatorTestSupport::draining)).as("old pods still draining at the handover").isNotEmpty();
      assertThat(t.sim.ledger().live()).isPositive();
      await().atMost(Duration.ofSeconds(15)).until(b::isLeader);

      t.awaitHealthyAt("ha", "v2", Duration.ofSeconds(40));
      assertThat(t.pods("ha")).hasSize(2).allMatch(p -> version(p).equals("v2"));
      assertThat(writes(t, "b")).as("the new leader finished the drain").contains("delete pods");
      t.assertNoCallCut();
      t.assertNoBusyPodDeleted();
    }
  }

  @Test
  void aLeaderThatLosesTheLeaseStopsReconciling() {
    try (OperatorTestSupport t = OperatorTestSupport.startWithoutOperator()) {
      AgentOperator a = t.startReplica("a");
      await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
      AgentOperator b = t.startReplica("b");

      // As if a had not renewed in time and b had taken the Lease: a must stop, not go on beside b.
      // (The edit is optimistic: it retries when it races a renewal by a.)
      await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
        t.user.leases().inNamespace(AgentOperator.DEFAULT_NAMESPACE).withName(LeaderElection.LEASE_NAME)
            .edit(lease -> {
              lease.getSpec().setHolderIdentity("b");
              lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
              return lease;
            });
        return true;
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> b.isLeader() && !a.isLeader());
      // a stops on a thread of its own; its HTTP port closes last.
      await().atMost(Duration.ofSeconds(10)).until(() -> stopped(a));
      long writesByA = t.sim.requests().writes(by("a"));

      t.create(deployment("after", "v1", 1));
      t.awaitHealthyAt("after", "v1", Duration.ofSeconds(20));
      assertThat(t.sim.requests().writes(by("a"))).as("writes by the replica that lost the Lease").isEqualTo(writesByA);
    }
  }

  /** Distinct writes ({@code "patch pods"}, ...) by the replica with this identity. */
  private static List<String> writes(OperatorTestSupport t, String identity) {
    return t.sim.requests().all().stream()
        .filter(c -> c.isWrite() && by(identity).test(c))
        .map(RecordedCall::verbAndResource).distinct().collect(Collectors.toList());
  }

  private static Predicate<RecordedCall> by(String identity) {
    return c -> c.userAgentStartsWith(OPERATOR_UA + "/" + identity);
  }

  private static boolean stopped(AgentOperator operator) throws Exception {
    try {
      status(operator, "GET", "/readyz");
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static int status(AgentOperator operator, String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.ofString("{}")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
