package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.pods.PodState;

class StaleTerminatingPodsTest {

  private static final Instant NOW = Instant.parse("2026-12-02T03:00:00Z");

  private final List<String> lookedUp = new ArrayList<>();

  /** A pod deleted at {@code deletedAt} (null: not deleted) with a 600 s grace period. */
  private static PodState pod(String name, Instant deletedAt) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata();
    if (deletedAt != null) {
      b.editMetadata().withDeletionTimestamp(deletedAt.plusSeconds(600).toString())
          .withDeletionGracePeriodSeconds(600L).endMetadata();
    }
    Pod pod = b.withNewStatus().withPhase("Running").endStatus().build();
    return PodState.of(pod);
  }

  private boolean exists(Set<String> onServer, String namespace, String name) {
    lookedUp.add(name);
    return onServer.contains(name);
  }

  @Test
  void onlyOverduePodsAreLookedUpAndThoseTheServerLacksAreGone() {
    StaleTerminatingPods stale = new StaleTerminatingPods();
    List<PodState> pods = List.of(pod("running", null), pod("recently-deleted", NOW.minusSeconds(20)),
        pod("overdue-gone", NOW.minusSeconds(90)), pod("overdue-stuck", NOW.minusSeconds(90)));

    List<PodState> seen = stale.withoutGone("ns", pods, NOW, (ns, n) -> exists(Set.of("overdue-stuck"), ns, n));

    assertThat(seen).extracting(PodState::name).containsExactly("running", "recently-deleted", "overdue-stuck");
    assertThat(lookedUp).containsExactlyInAnyOrder("overdue-gone", "overdue-stuck");
  }

  @Test
  void aPodStuckTerminatingIsLookedUpAtMostOncePerRecheck() {
    StaleTerminatingPods stale = new StaleTerminatingPods();
    List<PodState> pods = List.of(pod("overdue-stuck", NOW.minusSeconds(90)));

    stale.withoutGone("ns", pods, NOW, (ns, n) -> exists(Set.of("overdue-stuck"), ns, n));
    stale.withoutGone("ns", pods, NOW.plusSeconds(5), (ns, n) -> exists(Set.of("overdue-stuck"), ns, n));
    stale.withoutGone("ns", pods, NOW.plus(StaleTerminatingPods.RECHECK).plusSeconds(1),
        (ns, n) -> exists(Set.of("overdue-stuck"), ns, n));

    assertThat(lookedUp).hasSize(2);
  }

  @Test
  void aGonePodStaysGoneWithoutAnotherLookup() {
    StaleTerminatingPods stale = new StaleTerminatingPods();
    List<PodState> pods = List.of(pod("overdue-gone", NOW.minusSeconds(90)));

    stale.withoutGone("ns", pods, NOW, (ns, n) -> exists(Set.of(), ns, n));
    List<PodState> later = stale.withoutGone("ns", pods, NOW.plusSeconds(60), (ns, n) -> exists(Set.of(), ns, n));

    assertThat(later).isEmpty();
    assertThat(lookedUp).hasSize(1);
  }

  @Test
  void aPatchAnswered404ForAPodTheServerLacksLeavesThePodOutAtOnce() {
    StaleTerminatingPods stale = new StaleTerminatingPods();
    List<PodState> pods = List.of(pod("running", null), pod("ghost", null));
    assertThat(Actor.patchUnlessGone("ns/d", "ghost", stale, () -> {
      throw new KubernetesClientException("not found", 404, null);
    }, () -> false)).isEmpty();
    assertThat(stale.withoutGone("ns", pods, NOW, (ns, name) -> exists(Set.of(), ns, name)))
        .extracting(PodState::name).containsExactly("running");
    assertThat(lookedUp).as("not overdue: no lookup needed").isEmpty();
  }

  @Test
  void a404ThatTheServerContradictsAndOtherErrorsFailThePass() {
    StaleTerminatingPods stale = new StaleTerminatingPods();
    assertThatThrownBy(() -> Actor.patchUnlessGone("ns/d", "p", stale, () -> {
      throw new KubernetesClientException("not found", 404, null);
    }, () -> true)).isInstanceOf(KubernetesClientException.class);
    assertThatThrownBy(() -> Actor.patchUnlessGone("ns/d", "p", stale, () -> {
      throw new KubernetesClientException("boom", 500, null);
    }, () -> false)).isInstanceOf(KubernetesClientException.class);
    assertThat(stale.withoutGone("ns", List.of(pod("p", null)), NOW, (ns, name) -> true)).hasSize(1);
  }
}
