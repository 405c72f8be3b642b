package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Controllers;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.SimOptions;

/**
 * An AgentDeployment deleted and created again under the same name, while the garbage collector
 * has not yet removed what the first one owned. The chaos run found a recreated deployment
 * running under its predecessor's PodDisruptionBudget: a minAvailable of 1 from when it had one
 * pod let a node drain evict its busy active worker once it had more.
 */
class RecreatedDeploymentIT {

  private OperatorTestSupport t;

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void theNewDeploymentRemovesWhatItsPredecessorLeftAndKeepsItsOwnBudget() {
    // A collector that is behind: nothing the first incarnation owned goes by itself.
    t = OperatorTestSupport.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(300))
        .withGarbageCollectionDelay(Duration.ofHours(1)));
    t.create(deployment("again", "v1", 1));
    t.awaitHealthyAt("again", "v1", Duration.ofSeconds(20));
    String firstUid = t.get("again").getMetadata().getUid();
    await().atMost(Duration.ofSeconds(5)).until(() -> minAvailable() == 1);
    t.user.resources(AgentDeployment.class).inNamespace(NS).withName("again").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> t.get("again") == null);
    assertThat(owned("again")).as("left behind by the first incarnation").isNotEmpty()
        .allSatisfy(o -> assertThat(Controllers.uid(o)).isEqualTo(firstUid));

    t.create(deployment("again", "v1", 3));
    t.awaitHealthyAt("again", "v1", Duration.ofSeconds(20));
    String uid = t.get("again").getMetadata().getUid();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(budget().getMetadata().getOwnerReferences()).extracting(OwnerReference::getUid).containsExactly(uid);
      assertThat(minAvailable()).isEqualTo(3);
    });
    assertThat(owned("again")).as("budget, membership, credentials, revisions").hasSizeGreaterThanOrEqualTo(4)
        .allSatisfy(o -> assertThat(Controllers.uid(o)).as(o.getKind() + " " + o.getMetadata().getName()).isEqualTo(uid));
    // The disruption controller counts again: no healthy worker may be evicted.
    await().atMost(Duration.ofSeconds(5)).until(() -> budget().getStatus() != null
        && Integer.valueOf(3).equals(budget().getStatus().getDesiredHealthy()));
    CallGenerator calls = t.sim.calls(NS, "again", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isPresent();
    String busy = t.pods("again").stream().map(p -> p.getMetadata().getName())
        .filter(name -> t.sim.ledger().liveOnPod(NS, name) > 0).findFirst().orElseThrow();
    assertThat(t.user.pods().inNamespace(NS).withName(busy).evict()).as("eviction of a busy worker").isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> t.sim.ledger().live() == 0);
    t.assertNoCallCut();
  }

  @Test
  void theSimulatedGarbageCollectorRemovesADeletedDeploymentsObjects() {
    t = OperatorTestSupport.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(300)));
    t.create(deployment("gone", "v1", 1));
    t.awaitHealthyAt("gone", "v1", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(() -> owned("gone").size() >= 4);
    t.user.resources(AgentDeployment.class).inNamespace(NS).withName("gone").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> t.get("gone") == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> owned("gone").isEmpty());
  }

  private PodDisruptionBudget budget() {
    return t.user.policy().v1().podDisruptionBudget().inNamespace(NS).withName("again").get();
  }

  private int minAvailable() {
    PodDisruptionBudget b = budget();
    return b == null ? -1 : b.getSpec().getMinAvailable().getIntVal();
  }

  /** The objects labelled as the deployment's, other than pods. */
  private List<HasMetadata> owned(String name) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(t.user.policy().v1().podDisruptionBudget().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, name)
        .list().getItems());
    all.addAll(t.user.configMaps().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems());
    all.addAll(t.user.secrets().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems());
    all.addAll(t.user.apps().controllerRevisions().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, name)
        .list().getItems());
    return all;
  }
}
