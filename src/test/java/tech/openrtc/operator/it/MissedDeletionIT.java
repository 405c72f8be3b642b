package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.CallProfile;

/**
 * The operator's safety net for a watch that missed a pod's deletion (StaleTerminatingPods): the
 * cache keeps showing the pod terminating, and only a lookup on the API server tells it is gone.
 */
class MissedDeletionIT extends OperatorIT {

  @Test
  void aRolloutFinishesThoughTheWatchMissedTheOldPodsDeletions() {
    t.create(deployment("missed", "v1", 2));
    t.awaitHealthyAt("missed", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "missed", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> t.sim.ledger().live() > 0);

    List<String> old = t.pods("missed").stream().map(p -> p.getMetadata().getName()).toList();
    assertThat(old).hasSize(2);
    // The pods leave the store when their workers have drained; no watch hears of it.
    old.forEach(name -> t.sim.apiFaults().loseDeletionEvent("pods", NS, name));
    t.setVersion("missed", "v2");

    await().atMost(Duration.ofSeconds(30)).until(() -> t.sim.apiFaults().deletionEventsLost() == 2);
    assertThat(t.pods("missed")).extracting(p -> p.getMetadata().getName()).doesNotContainAnyElementsOf(old);

    // The cache shows both terminating for 30 s, then the operator looks them up and lets go.
    t.awaitHealthyAt("missed", "v2", Duration.ofSeconds(60));
    List<Pod> pods = t.pods("missed");
    assertThat(pods).hasSize(2).allMatch(p -> version(p).equals("v2"));
    old.forEach(name -> assertThat(t.user.pods().inNamespace(NS).withName(name).get()).isNull());
    assertThat(t.sim.ledger().cut()).isZero();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aDrainMarkAnswered404ForAPodTheServerStillHasIsTriedAgain() {
    t.create(deployment("spurious", "v1", 1));
    t.awaitHealthyAt("spurious", "v1", Duration.ofSeconds(20));
    String old = t.pods("spurious").get(0).getMetadata().getName();
    t.sim.refuseNextPatches("/api/v1/namespaces/" + NS + "/pods/" + old, 404, 1);

    // A GET says the pod is there: the pass fails, the next one marks it, and it drains as usual.
    t.setVersion("spurious", "v2");
    t.awaitHealthyAt("spurious", "v2", Duration.ofSeconds(30));
    assertThat(t.pods("spurious")).singleElement().satisfies(p -> assertThat(version(p)).isEqualTo("v2"));
    assertThat(t.user.pods().inNamespace(NS).withName(old).get()).as("drained and deleted").isNull();
    t.assertNoBusyPodDeleted();
    t.assertNoCallCut();
  }
}
