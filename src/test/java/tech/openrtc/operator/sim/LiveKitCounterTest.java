package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.KEY;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.SECRET;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.liveCall;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.LiveKitCounter;
import tech.openrtc.operator.drain.LiveKitCounts;
import tech.openrtc.operator.drain.LiveKitCredentials;

/**
 * The operator's LiveKit reader against the fake server: counts per pod, unknown on any fault, one
 * scan per server shared by the deployments on it.
 */
class LiveKitCounterTest {

  /** Reuses no earlier scan. */
  private static final Duration FRESH = Duration.ZERO;
  /** Half of a 10 s poll, as InFlightProber asks. */
  private static final Duration HALF_POLL = Duration.ofSeconds(5);

  private final CallLedger ledger = new CallLedger();
  private final FakeLiveKitServer server = new FakeLiveKitServer(ledger, null, KEY, SECRET);
  private final LiveKitCounter counter = new LiveKitCounter();

  @AfterEach
  void stop() {
    counter.close();
    server.close();
  }

  private LiveKitCredentials credentials() {
    return new LiveKitCredentials(server.wsUrl(), KEY, SECRET);
  }

  @Test
  void countsAgentsPerPodAndVersionWithOneListRoomsAndNoCallForEmptyRooms() {
    liveCall(ledger, "a-1", "v1");
    liveCall(ledger, "a-1", "v1");
    liveCall(ledger, "a-2", "v1");
    Call ended = liveCall(ledger, "a-3", "v2");
    ledger.end(ended, CallRecord.Outcome.COMPLETED);
    liveCall(ledger, "b-1", "v2");
    server.addIdleRooms(5);

    LiveKitCounts counts = counter.count(credentials(), null, FRESH);
    assertThat(counts.known()).as(counts.error()).isTrue();
    assertThat(counts.byPod()).containsEntry("a-1", 2).containsEntry("a-2", 1).containsEntry("b-1", 1).hasSize(3);
    assertThat(counts.byVersion()).containsEntry("v1", 3).containsEntry("v2", 1);
    assertThat(counts.forPod("a-1", "v1")).isEqualTo(InFlight.of(2));
    assertThat(counts.forPod("a-3", "v2")).isEqualTo(InFlight.of(0));
    assertThat(counts.rooms()).isEqualTo(9);
    assertThat(counts.roomsQueried()).isEqualTo(4);
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(1);
    assertThat(server.requests(FakeLiveKitServer.LIST_PARTICIPANTS)).isEqualTo(4);
  }

  @Test
  void anAgentOfAnotherAgentNameIsNotCounted() {
    liveCall(ledger, "a-1", "v1"); // no kubelet here: no lk.agent.name attribute
    assertThat(counter.count(credentials(), "support", FRESH).byPod()).isEmpty();
    assertThat(counter.count(credentials(), null, FRESH).byPod()).containsEntry("a-1", 1);
  }

  @Test
  void serverErrorsGarbageWrongAuthAndSlownessAreUnknownNeverZero() {
    liveCall(ledger, "a-1", "v1");
    for (FakeLiveKitServer.Fault fault : new FakeLiveKitServer.Fault[] {
        FakeLiveKitServer.Fault.ERROR_500, FakeLiveKitServer.Fault.GARBAGE, FakeLiveKitServer.Fault.WRONG_AUTH}) {
      server.setFault(fault);
      LiveKitCounts counts = counter.count(credentials(), null, FRESH);
      assertThat(counts.known()).as(fault.name()).isFalse();
      assertThat(counts.forPod("a-2", "v1").known()).as(fault.name()).isFalse();
    }
    server.setFault(FakeLiveKitServer.Fault.SLOW);
    long start = System.nanoTime();
    LiveKitCounts slow = counter.count(credentials(), null, FRESH);
    assertThat(slow.known()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    assertThat(counter.errors()).isEqualTo(4);
  }

  @Test
  void aWrongSecretIsUnknownAndTheSecretIsNeverInTheError() {
    liveCall(ledger, "a-1", "v1");
    String wrong = "the-wrong-secret-xxxxxxxxxxxxxxxxxxxxxx";
    LiveKitCounts counts = counter.count(new LiveKitCredentials(server.url(), KEY, wrong), null, FRESH);
    assertThat(counts.known()).isFalse();
    assertThat(counts.error()).contains("401").doesNotContain(wrong);
    assertThat(new LiveKitCredentials(server.url(), KEY, wrong).toString()).doesNotContain(wrong);
  }

  @Test
  void anUnreachableServerIsUnknown() {
    server.close();
    assertThat(counter.count(credentials(), null, FRESH).known()).isFalse();
  }

  @Test
  void tenDeploymentsOnOneServerShareOneScanAndEachCountsItsOwnAgents() throws Exception {
    server.nameAgentsAfterDeployments();
    for (int i = 0; i < 10; i++) {
      for (int c = 0; c <= i; c++) {
        ledger.begin(ledger.newCall("voice", "agent-" + i, "agent-" + i + "-a", "v1", Duration.ofSeconds(60)));
      }
      ledger.begin(ledger.newCall("voice", "agent-" + i, "agent-" + i + "-b", "v2", Duration.ofSeconds(60)));
    }
    server.addIdleRooms(5);

    // Ten deployments' reconciles asking at once, as after a burst of events.
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<LiveKitCounts>> asks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String agentName = "agent-" + i;
      asks.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return counter.count(credentials(), agentName, HALF_POLL);
      }));
    }
    go.countDown();
    for (int i = 0; i < 10; i++) {
      LiveKitCounts counts = asks.get(i).get();
      assertThat(counts.known()).as(counts.error()).isTrue();
      assertThat(counts.byPod()).as("agent-" + i)
          .isEqualTo(Map.of("agent-" + i + "-a", i + 1, "agent-" + i + "-b", 1));
      assertThat(counts.byVersion()).isEqualTo(Map.of("v1", i + 1, "v2", 1));
    }
    // And one more asking later within the same half poll.
    assertThat(counter.count(credentials(), "agent-3", HALF_POLL).byPod()).containsEntry("agent-3-a", 4);

    int occupied = 55 + 10;
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(1);
    assertThat(server.requests(FakeLiveKitServer.LIST_PARTICIPANTS)).isEqualTo(occupied);
    assertThat(counter.listRoomsSent()).isEqualTo(1);
    assertThat(counter.listParticipantsSent()).isEqualTo(occupied);
  }

  @Test
  void aScanIsReusedUntilItIsOlderThanTheAskAllows() throws Exception {
    Duration maxAge = Duration.ofSeconds(1);
    liveCall(ledger, "a-1", "v1");
    assertThat(counter.count(credentials(), null, maxAge).byPod()).isEqualTo(Map.of("a-1", 1));
    liveCall(ledger, "a-2", "v1");
    // Within maxAge: the same scan, without the new call.
    assertThat(counter.count(credentials(), null, maxAge).byPod()).isEqualTo(Map.of("a-1", 1));
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(1);

    Thread.sleep(maxAge.toMillis() + 200);

    assertThat(counter.count(credentials(), null, maxAge).byPod()).isEqualTo(Map.of("a-1", 1, "a-2", 1));
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(2);
  }

  @Test
  void invalidateMakesTheNextAskReadTheServerAfresh() {
    Call call = liveCall(ledger, "a-1", "v1");
    assertThat(counter.count(credentials(), null, HALF_POLL).forPod("a-1", "v1")).isEqualTo(InFlight.of(1));
    ledger.end(call, CallRecord.Outcome.COMPLETED);
    // The shared scan still has the call: what the call-ended webhook is there to cut short.
    assertThat(counter.count(credentials(), null, HALF_POLL).forPod("a-1", "v1")).isEqualTo(InFlight.of(1));

    counter.invalidate(credentials());

    assertThat(counter.count(credentials(), null, HALF_POLL).forPod("a-1", "v1")).isEqualTo(InFlight.of(0));
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(2);
  }

  @Test
  void aFailedScanFailsTheAsksSharingItButIsNotReusedByLaterOnes() throws Exception {
    liveCall(ledger, "a-1", "v1");
    server.setFault(FakeLiveKitServer.Fault.SLOW);
    CompletableFuture<LiveKitCounts> first =
        CompletableFuture.supplyAsync(() -> counter.count(credentials(), null, HALF_POLL));
    await().atMost(Duration.ofSeconds(2)).until(() -> server.requests(FakeLiveKitServer.LIST_ROOMS) == 1);
    LiveKitCounts second = counter.count(credentials(), null, HALF_POLL); // joins the scan in progress

    assertThat(first.get().known()).isFalse();
    assertThat(second.known()).isFalse();
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(1);
    assertThat(counter.errors()).isEqualTo(1);

    server.setFault(FakeLiveKitServer.Fault.NONE);
    LiveKitCounts later = counter.count(credentials(), null, HALF_POLL);
    assertThat(later.known()).as(later.error()).isTrue();
    assertThat(later.byPod()).isEqualTo(Map.of("a-1", 1));
    assertThat(server.requests(FakeLiveKitServer.LIST_ROOMS)).isEqualTo(2);
  }
}
