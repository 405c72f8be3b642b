package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.KEY;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.SECRET;
import static tech.openrtc.operator.sim.FakeLiveKitServerTest.liveCall;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.LiveKitCounter;
import tech.openrtc.operator.drain.LiveKitCounts;
import tech.openrtc.operator.drain.LiveKitCredentials;

/** The operator's LiveKit reader against the fake server: counts per pod, unknown on any fault. */
class LiveKitCounterTest {

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

    LiveKitCounts counts = counter.count(credentials(), null);
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
    assertThat(counter.count(credentials(), "support").byPod()).isEmpty();
    assertThat(counter.count(credentials(), null).byPod()).containsEntry("a-1", 1);
  }

  @Test
  void serverErrorsGarbageWrongAuthAndSlownessAreUnknownNeverZero() {
    liveCall(ledger, "a-1", "v1");
    for (FakeLiveKitServer.Fault fault : new FakeLiveKitServer.Fault[] {
        FakeLiveKitServer.Fault.ERROR_500, FakeLiveKitServer.Fault.GARBAGE, FakeLiveKitServer.Fault.WRONG_AUTH}) {
      server.setFault(fault);
      LiveKitCounts counts = counter.count(credentials(), null);
      assertThat(counts.known()).as(fault.name()).isFalse();
      assertThat(counts.forPod("a-2", "v1").known()).as(fault.name()).isFalse();
    }
    server.setFault(FakeLiveKitServer.Fault.SLOW);
    long start = System.nanoTime();
    LiveKitCounts slow = counter.count(credentials(), null);
    assertThat(slow.known()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    assertThat(counter.errors()).isEqualTo(4);
  }

  @Test
  void aWrongSecretIsUnknownAndTheSecretIsNeverInTheError() {
    liveCall(ledger, "a-1", "v1");
    String wrong = "the-wrong-secret-xxxxxxxxxxxxxxxxxxxxxx";
    LiveKitCounts counts = counter.count(new LiveKitCredentials(server.url(), KEY, wrong), null);
    assertThat(counts.known()).isFalse();
    assertThat(counts.error()).contains("401").doesNotContain(wrong);
    assertThat(new LiveKitCredentials(server.url(), KEY, wrong).toString()).doesNotContain(wrong);
  }

  @Test
  void anUnreachableServerIsUnknown() {
    server.close();
    assertThat(counter.count(credentials(), null).known()).isFalse();
  }
}
