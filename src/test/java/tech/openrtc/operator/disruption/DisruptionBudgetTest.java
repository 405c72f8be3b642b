package tech.openrtc.operator.disruption;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.DisruptionController;

/**
 * The budget the operator writes, checked against the disruption controller's own arithmetic
 * ({@link DisruptionController}, as the simulated cluster runs it): no healthy worker may be
 * evicted, whatever the number of pods against {@code spec.replicas}.
 */
class DisruptionBudgetTest {

  private static final String UID = "uid-support";

  private static AgentDeployment owner() {
    AgentDeployment d = new AgentDeployment();
    d.getMetadata().setName("support");
    d.getMetadata().setNamespace("voice");
    d.getMetadata().setUid(UID);
    return d;
  }

  private static Pod pod(int i, boolean ready) {
    return new PodBuilder().withNewMetadata().withName("support-" + i).withNamespace("voice")
        .addToLabels(Names.LABEL_DEPLOYMENT, "support")
        .addNewOwnerReference().withController(true).withUid(UID).withKind(AgentDeployment.KIND)
          .withName("support").withApiVersion(AgentDeployment.API_VERSION).endOwnerReference()
        .endMetadata()
        .withNewStatus().withPhase("Running")
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus().build();
  }

  private static List<Pod> pods(int ready, int notReady) {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < ready + notReady; i++) {
      pods.add(pod(i, i < ready));
    }
    return pods;
  }

  /** What the operator keeps for these pods, settled or not, from no budget at all. */
  private static PodDisruptionBudget ours(List<Pod> pods, boolean settled) {
    return DisruptionBudget.build(owner(), DisruptionBudget.minAvailable(null, pods.size(), settled));
  }

  private static DisruptionController.Budget controller(PodDisruptionBudget pdb, List<Pod> pods, int replicas) {
    return DisruptionController.compute(pdb, pods, ref -> replicas);
  }

  @Test
  void steadyStateAllowsNoEviction() {
    List<Pod> pods = pods(3, 0);
    assertThat(controller(ours(pods, true), pods, 3).disruptionsAllowed()).isZero();
  }

  @Test
  void midRolloutWithTwiceThePodsAllowsNoEviction() {
    List<Pod> pods = pods(6, 0);
    // The trap: maxUnavailable 0 takes desiredHealthy from the scale (3), so 3 of 6 could go.
    PodDisruptionBudget maxUnavailable = new PodDisruptionBudgetBuilder(ours(pods, false))
        .editSpec().withMinAvailable(null).withMaxUnavailable(new IntOrString(0)).endSpec().build();
    assertThat(controller(maxUnavailable, pods, 3).disruptionsAllowed()).isEqualTo(3);
    PodDisruptionBudget percent = new PodDisruptionBudgetBuilder(ours(pods, false))
        .editSpec().withMinAvailable(new IntOrString("100%")).endSpec().build();
    assertThat(controller(percent, pods, 3).disruptionsAllowed()).isEqualTo(3);

    assertThat(controller(ours(pods, false), pods, 3).disruptionsAllowed()).isZero();
  }

  @Test
  void midEvacuationTheBudgetIsRaisedBeforeTheReplacementsAndLoweredOnlyWhenSettled() {
    // 3 replicas, 2 on a drained node: 2 replacements are created beyond replicas.
    int raised = DisruptionBudget.minAvailable(3, 5, false);
    assertThat(raised).isEqualTo(5);
    List<Pod> pods = pods(5, 0);
    assertThat(controller(DisruptionBudget.build(owner(), raised), pods, 3).disruptionsAllowed()).isZero();
    // One old pod drained and gone: the budget stays (no write per pod) and still allows nothing.
    assertThat(DisruptionBudget.minAvailable(raised, 4, false)).isEqualTo(5);
    assertThat(controller(DisruptionBudget.build(owner(), 5), pods(4, 0), 3).disruptionsAllowed()).isZero();
    // Settled again: back to the pods there are.
    assertThat(DisruptionBudget.minAvailable(5, 3, true)).isEqualTo(3);
  }

  @Test
  void aCrashedPodMayBeEvictedAndTheHealthyOnesMayNot() {
    List<Pod> pods = pods(2, 1);
    PodDisruptionBudget pdb = ours(pods, false);
    DisruptionController.Budget budget = controller(pdb, pods, 3);
    assertThat(budget.disruptionsAllowed()).isZero();
    assertThat(DisruptionController.evictionAllowed(pdb, pods.get(2), budget)).as("not ready").isTrue();
    assertThat(DisruptionController.evictionAllowed(pdb, pods.get(0), budget)).as("ready").isFalse();
  }

  @Test
  void replicasZeroWithPodsStillDrainingAllowsNoEviction() {
    List<Pod> pods = pods(2, 0);
    assertThat(controller(ours(pods, false), pods, 0).disruptionsAllowed()).isZero();
    assertThat(DisruptionBudget.minAvailable(2, 0, true)).isZero();
  }

  @Test
  void aStoredBudgetIsRewrittenOnlyWhenItDiffers() {
    PodDisruptionBudget pdb = DisruptionBudget.build(owner(), 3);
    assertThat(DisruptionBudget.upToDate(pdb, 3)).isTrue();
    assertThat(DisruptionBudget.upToDate(pdb, 4)).isFalse();
    PodDisruptionBudget edited = new PodDisruptionBudgetBuilder(pdb)
        .editSpec().withMaxUnavailable(new IntOrString(0)).endSpec().build();
    assertThat(DisruptionBudget.storedMinAvailable(edited)).as("maxUnavailable set by hand").isNull();
    assertThat(DisruptionBudget.owns(pdb, UID)).isTrue();
    assertThat(DisruptionBudget.owns(pdb, "someone-else")).isFalse();
  }
}
