package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;
import static tech.openrtc.operator.reconcile.Fixtures.pod;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.pods.PodState;

class ObservationTest {

  private static final String A = "rev-a";
  private static final String B = "rev-b";
  private static final String C = "rev-c";

  @Test
  void sortsPodsIntoTheirGroups() {
    List<PodState> pods = List.of(
        pod("a-0", A).ready().build(),
        pod("a-1", A).build(),
        pod("b-0", B).ready().build(),
        pod("b-1", B).noIp().phase("Pending").build(),   // starting: still counts, not exited
        pod("c-0", C).ready().build(),
        pod("d-0", A).draining(NOW, NOW.plusSeconds(60)).build(),
        pod("d-1", A).draining(NOW, NOW.plusSeconds(60)).phase("Failed").build(), // draining wins over exited
        pod("t-0", A).draining(NOW, NOW.plusSeconds(60)).terminating().build(),   // terminating wins
        pod("t-1", B).terminating().build(),
        pod("x-0", A).phase("Failed").build(),
        pod("x-1", B).phase("Succeeded").build());

    Observation obs = Observation.of(B, A, pods);

    assertThat(obs.target()).isEqualTo(B);
    assertThat(obs.active()).isEqualTo(A);
    assertThat(obs.activeRecovered()).isFalse();
    assertThat(obs.rollingOut()).isTrue();
    assertThat(names(obs.activePods())).containsExactly("a-0", "a-1");
    assertThat(names(obs.previewPods())).containsExactly("b-0", "b-1");
    assertThat(names(obs.supersededPods())).containsExactly("c-0");
    assertThat(names(obs.drainingPods())).containsExactly("d-0", "d-1");
    assertThat(names(obs.terminatingPods())).containsExactly("t-0", "t-1");
    assertThat(names(obs.exitedPods())).containsExactly("x-0", "x-1");
    assertThat(names(obs.all())).hasSize(pods.size()).isSorted();
  }

  @Test
  void recordedActiveIsTrustedEvenWithoutPods() {
    Observation obs = Observation.of(B, A, List.of(pod("b-0", B).ready().build()));

    assertThat(obs.active()).isEqualTo(A);
    assertThat(obs.rollingOut()).isTrue();
    assertThat(names(obs.previewPods())).containsExactly("b-0");
  }

  @Test
  void withoutRecordedActiveTheRevisionWithTheMostReadyPodsIsActive() {
    Observation obs = Observation.of(C, null, List.of(
        pod("a-0", A).ready().build(), pod("a-1", A).build(), pod("a-2", A).build(),
        pod("b-0", B).ready().build(), pod("b-1", B).ready().build(),
        pod("c-0", C).ready().build(), pod("c-1", C).ready().build(), pod("c-2", C).ready().build()));

    assertThat(obs.active()).as("the target itself is never recovered as active").isEqualTo(B);
    assertThat(obs.activeRecovered()).isTrue();
    assertThat(names(obs.supersededPods())).containsExactly("a-0", "a-1", "a-2");
  }

  @Test
  void recoveryTieBreakIsDeterministic() {
    List<PodState> pods = List.of(pod("a-0", A).ready().build(), pod("b-0", B).ready().build());

    assertThat(Observation.of(C, null, pods).active()).isEqualTo(B);
    assertThat(Observation.of(C, null, List.of(pods.get(1), pods.get(0))).active()).isEqualTo(B);
  }

  @Test
  void withoutRecordedActiveOrReadyPodsTheTargetIsActive() {
    Observation obs = Observation.of(B, null, List.of(pod("a-0", A).build(), pod("b-0", B).ready().build()));

    assertThat(obs.active()).isEqualTo(B);
    assertThat(obs.activeRecovered()).isFalse();
    assertThat(obs.rollingOut()).isFalse();
  }

  @Test
  void probesDrainingAndTerminatingPodsAndOnlySurplusGroups() {
    List<PodState> pods = List.of(
        pod("a-0", A).ready().build(), pod("a-1", A).ready().build(),
        pod("b-0", B).ready().build(),
        pod("d-0", A).draining(NOW, NOW.plusSeconds(60)).build(),
        pod("d-1", A).draining(NOW, NOW.plusSeconds(60)).phase("Failed").build(),
        pod("t-0", A).terminating().build());
    Observation obs = Observation.of(B, A, pods);

    assertThat(names(obs.toProbe(2))).containsExactlyInAnyOrder("d-0", "t-0");
    assertThat(names(obs.toProbe(1))).containsExactlyInAnyOrder("d-0", "t-0", "a-0", "a-1");
    assertThat(names(obs.toProbe(0))).containsExactlyInAnyOrder("d-0", "t-0", "a-0", "a-1", "b-0");
  }

  private static List<String> names(Iterable<PodState> pods) {
    List<String> names = new java.util.ArrayList<>();
    pods.forEach(p -> names.add(p.name()));
    return names;
  }
}
