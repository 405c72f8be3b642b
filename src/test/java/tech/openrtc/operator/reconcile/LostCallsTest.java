package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;
import static tech.openrtc.operator.reconcile.Fixtures.pod;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.pods.PodState;

class LostCallsTest {

  private static PodDepartures.Departure gone(PodState pod, int secondsFromNow) {
    return new PodDepartures.Departure("voice", "support", pod, NOW.plusSeconds(secondsFromNow));
  }

  @Test
  void aForcedDeleteCutsTheLastKnownCalls() {
    PodState pod = pod("a-0", "a").ready().deleted(NOW, 0).build();
    List<LostCalls.LostPod> lost = LostCalls.detect(List.of(gone(pod, 0)), List.of(), Map.of("a-0", 3), Set.of());
    assertThat(lost).singleElement().satisfies(l -> {
      assertThat(l.calls()).isEqualTo(3);
      assertThat(l.reason()).isEqualTo("pod_lost");
      assertThat(l.how()).contains("removed at once");
    });
  }

  @Test
  void aWorkerThatExitedBeforeItsGracePeriodRanOutCutNothing() {
    // Evicted with a 3600 s grace period; its calls ended and it exited after 40 s.
    PodState pod = pod("a-0", "a").ready().deleted(NOW, 3600).build();
    assertThat(LostCalls.detect(List.of(gone(pod, 40)), List.of(), Map.of("a-0", 2), Set.of())).isEmpty();
  }

  @Test
  void aWorkerKilledAtTheEndOfItsGracePeriodCutItsCalls() {
    PodState evicted = pod("a-0", "a").ready().deleted(NOW, 30).build();
    PodState ours = pod("b-0", "b").ready().draining(NOW, NOW.plusSeconds(30)).deleted(NOW, 30).build();
    List<LostCalls.LostPod> lost = LostCalls.detect(List.of(gone(evicted, 30), gone(ours, 31)), List.of(),
        Map.of("a-0", 1, "b-0", 2), Set.of());
    assertThat(lost).extracting(LostCalls.LostPod::pod, LostCalls.LostPod::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a-0", "pod_lost"),
            org.assertj.core.groups.Tuple.tuple("b-0", "drain_deadline"));
  }

  @Test
  void aFailedPodCutsItsCallsOnceAndAccountedOrIdlePodsNothing() {
    PodState failed = pod("a-0", "a").phase("Failed").build();
    PodState idle = pod("a-1", "a").ready().deleted(NOW, 0).build();
    PodState drained = pod("a-2", "a").ready().deleted(NOW, 0).build();
    List<LostCalls.LostPod> lost = LostCalls.detect(List.of(gone(idle, 0), gone(drained, 0)), List.of(failed),
        Map.of("a-0", 2, "a-1", 0, "a-2", 5), Set.of("a-2"));
    assertThat(lost).singleElement().satisfies(l -> {
      assertThat(l.pod()).isEqualTo("a-0");
      assertThat(l.how()).isEqualTo("its worker failed");
    });
  }

  @Test
  void theMemoryCountsEachLostPodOnce() {
    DeploymentMemory memory = new DeploymentMemory("voice", "support");
    PodState failed = pod("a-0", "a").phase("Failed").build();
    memory.lastKnown(Map.of("a-0", tech.openrtc.operator.drain.InFlight.of(2)), Set.of("a-0"));
    assertThat(memory.lost(List.of(), List.of(failed))).hasSize(1);
    assertThat(memory.lost(List.of(), List.of(failed))).isEmpty();
  }
}
