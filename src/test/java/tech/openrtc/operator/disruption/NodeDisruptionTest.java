package tech.openrtc.operator.disruption;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeDisruptionTest {

  private static Node node(String key, String effect) {
    return new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
        .withNewSpec().addNewTaint().withKey(key).withEffect(effect).endTaint().endSpec().build();
  }

  @Test
  void cordonAndTheKnownRemovalTaintsAreDisruptions() {
    Node cordoned = new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
        .withNewSpec().withUnschedulable(true).endSpec().build();
    NodeDisruption d = NodeDisruption.defaults();
    assertThat(d.why(cordoned)).contains("cordoned");
    assertThat(d.why(node("karpenter.sh/disrupted", "NoSchedule"))).contains("tainted karpenter.sh/disrupted:NoSchedule");
    assertThat(d.why(node("ToBeDeletedByClusterAutoscaler", "NoSchedule"))).isPresent();
    assertThat(d.why(node("node.kubernetes.io/unschedulable", "NoSchedule"))).isPresent();
  }

  @Test
  void otherTaintsAndPreferNoScheduleAreNot() {
    NodeDisruption d = NodeDisruption.defaults();
    assertThat(d.why(node("dedicated", "NoSchedule"))).isEmpty();
    assertThat(d.why(node("karpenter.sh/disrupted", "PreferNoSchedule"))).isEmpty();
    // cluster-autoscaler's soft mark: the node may go, but nothing is evicted yet.
    assertThat(d.why(node("DeletionCandidateOfClusterAutoscaler", "PreferNoSchedule"))).isEmpty();
    assertThat(d.why(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build())).isEmpty();
  }

  @Test
  void anExtraTaintKeyCountsWithItsEffect() {
    NodeDisruption d = new NodeDisruption(List.of("example.com/maintenance"));
    assertThat(d.why(node("example.com/maintenance", "NoExecute"))).contains("tainted example.com/maintenance:NoExecute");
    assertThat(NodeDisruption.defaults().why(node("example.com/maintenance", "NoExecute"))).isEmpty();
  }
}
