package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.DisruptionController.Budget;

class DisruptionControllerTest {

  private static final OwnerReference OWNER = new OwnerReferenceBuilder()
      .withApiVersion("agents.openrtc.tech/v1").withKind("AgentDeployment")
      .withName("agent").withUid("uid-agent").withController(true).build();

  private static ToIntFunction<OwnerReference> replicas(int n) {
    return owner -> owner.getUid().equals(OWNER.getUid()) ? n : -1;
  }

  private static PodDisruptionBudget maxUnavailable(IntOrString value) {
    return new PodDisruptionBudgetBuilder().withNewSpec().withMaxUnavailable(value).endSpec().build();
  }

  private static PodDisruptionBudget minAvailable(IntOrString value) {
    return new PodDisruptionBudgetBuilder().withNewSpec().withMinAvailable(value).endSpec().build();
  }

  private static Pod pod(boolean ready, boolean owned) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .endCondition().endStatus();
    if (owned) {
      b.editMetadata().withOwnerReferences(OWNER).endMetadata();
    }
    return b.build();
  }

  private static List<Pod> readyPods(int n) {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pods.add(pod(true, true));
    }
    return pods;
  }

  @Test
  void steadyStateWithMaxUnavailableOneAllowsOne() {
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString(1)), readyPods(3), replicas(3));
    assertThat(b).isEqualTo(new Budget(3, 2, 3, 1));
  }

  @Test
  void maxUnavailableZeroMidRolloutAllowsTheSurplus() {
    // Twice the pods of spec.replicas: the desired count comes from the scale, not the pods,
    // so "maxUnavailable: 0" still lets the eviction API take the extra healthy pods.
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString(0)), readyPods(6), replicas(3));
    assertThat(b).isEqualTo(new Budget(6, 3, 3, 3));
  }

  @Test
  void minAvailableHundredPercentAlsoFollowsTheScale() {
    Budget steady = DisruptionController.compute(minAvailable(new IntOrString("100%")), readyPods(3), replicas(3));
    assertThat(steady.disruptionsAllowed()).isZero();
    Budget doubled = DisruptionController.compute(minAvailable(new IntOrString("100%")), readyPods(6), replicas(3));
    assertThat(doubled).isEqualTo(new Budget(6, 3, 3, 3));
  }

  @Test
  void percentRoundsUp() {
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString("50%")), readyPods(3), replicas(3));
    assertThat(b.desiredHealthy()).isEqualTo(1); // 3 - ceil(1.5)
  }

  @Test
  void integerMinAvailableCountsThePods() {
    List<Pod> pods = new ArrayList<>(readyPods(5));
    pods.add(pod(false, false)); // unmanaged and not ready: counted as expected, not as healthy
    Budget b = DisruptionController.compute(minAvailable(new IntOrString(6)), pods, replicas(3));
    assertThat(b).isEqualTo(new Budget(5, 6, 6, 0));
  }

  @Test
  void podsBeingDeletedAreNotHealthy() {
    List<Pod> pods = readyPods(3);
    pods.get(0).getMetadata().setDeletionTimestamp("2024-01-01T00:00:00Z");
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString(1)), pods, replicas(3));
    assertThat(b).isEqualTo(new Budget(2, 2, 3, 0));
  }

  @Test
  void notReadyPodUnderAlwaysAllowMayGoWhateverTheBudget() {
    PodDisruptionBudget pdb = maxUnavailable(new IntOrString(0));
    List<Pod> pods = new ArrayList<>(readyPods(2));
    Pod notReady = pod(false, true);
    pods.add(notReady);
    Budget b = DisruptionController.compute(pdb, pods, replicas(3));
    assertThat(b).isEqualTo(new Budget(2, 3, 3, 0));

    assertThat(DisruptionController.evictionAllowed(pdb, notReady, b)).isFalse(); // IfHealthyBudget
    assertThat(DisruptionController.evictionAllowed(pdb, pods.get(0), b)).isFalse();
    pdb.getSpec().setUnhealthyPodEvictionPolicy(DisruptionController.ALWAYS_ALLOW);
    assertThat(DisruptionController.evictionAllowed(pdb, notReady, b)).isTrue();
    assertThat(DisruptionController.evictionAllowed(pdb, pods.get(0), b)).isFalse();
  }

  @Test
  void notReadyPodUnderIfHealthyBudgetMayGoOnceTheBudgetIsMet() {
    PodDisruptionBudget pdb = maxUnavailable(new IntOrString(0));
    List<Pod> pods = new ArrayList<>(readyPods(3));
    Pod notReady = pod(false, true);
    pods.add(notReady);
    Budget b = DisruptionController.compute(pdb, pods, replicas(3));
    assertThat(b).isEqualTo(new Budget(3, 3, 3, 0));
    assertThat(DisruptionController.evictionAllowed(pdb, notReady, b)).isTrue();
    assertThat(DisruptionController.evictionAllowed(pdb, pods.get(0), b)).isFalse();
  }

  @Test
  void replicasZeroExpectsNothing() {
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString(0)), readyPods(2), replicas(0));
    assertThat(b).isEqualTo(new Budget(2, 0, 0, 2));
    Budget none = DisruptionController.compute(maxUnavailable(new IntOrString(0)), List.of(), replicas(0));
    assertThat(none).isEqualTo(new Budget(0, 0, 0, 0));
  }

  @Test
  void podsWithoutAKnownControllerAreUnmanaged() {
    List<Pod> pods = List.of(pod(true, false), pod(true, false));
    Budget b = DisruptionController.compute(maxUnavailable(new IntOrString(0)), pods, replicas(3));
    assertThat(b).isEqualTo(new Budget(2, 0, 0, 2));
  }
}
