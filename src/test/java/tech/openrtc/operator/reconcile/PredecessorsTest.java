package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;

class PredecessorsTest {

  private final AgentDeployment d = new SnapshotBuilder().resource;

  @Test
  void anObjectControlledByAnEarlierDeploymentOfTheSameNameIsLeftBehind() {
    assertThat(Predecessors.leftBehind(owned(ref(AgentDeployment.KIND, "support", "uid-earlier", true)), d)).isTrue();
  }

  @Test
  void itsOwnObjectsAndOthersAreNot() {
    assertThat(Predecessors.leftBehind(owned(d.controllerReference()), d)).as("its own").isFalse();
    assertThat(Predecessors.leftBehind(owned(ref(AgentDeployment.KIND, "billing", "uid-b", true)), d))
        .as("another deployment's").isFalse();
    assertThat(Predecessors.leftBehind(owned(ref("Deployment", "support", "uid-x", true)), d))
        .as("a controller of another kind: the user's").isFalse();
    assertThat(Predecessors.leftBehind(owned(ref(AgentDeployment.KIND, "support", "uid-earlier", false)), d))
        .as("an owner that is not the controller").isFalse();
    assertThat(Predecessors.leftBehind(new ConfigMapBuilder().withNewMetadata().withName("free").endMetadata().build(), d))
        .as("no owner").isFalse();
  }

  @Test
  void currentKeepsTheRestAndCollectsTheLeftovers() {
    ConfigMap mine = owned(d.controllerReference());
    ConfigMap old = owned(ref(AgentDeployment.KIND, "support", "uid-earlier", true));
    List<HasMetadata> leftovers = new ArrayList<>();
    assertThat(Predecessors.current(List.of(mine, old), d, leftovers)).containsExactly(mine);
    assertThat(leftovers).containsExactly(old);
  }

  @Test
  void theDecisionCarriesTheLeftoversToTheActor() {
    SnapshotBuilder b = new SnapshotBuilder().activeOld();
    ConfigMap old = owned(ref(AgentDeployment.KIND, "support", "uid-earlier", true));
    b.leftovers.add(old);
    assertThat(Decider.decide(b.build()).leftovers()).containsExactly(old);
  }

  private static OwnerReference ref(String kind, String name, String uid, boolean controller) {
    return new OwnerReferenceBuilder().withApiVersion(AgentDeployment.API_VERSION).withKind(kind).withName(name)
        .withUid(uid).withController(controller).build();
  }

  private static ConfigMap owned(OwnerReference ref) {
    return new ConfigMapBuilder().withNewMetadata().withName("support-membership").withOwnerReferences(ref)
        .endMetadata().build();
  }
}
