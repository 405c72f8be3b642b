package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.drain.InFlight;

class DeploymentMemoriesTest {

  private final List<String> forgotten = new ArrayList<>();
  private final DeploymentMemories memories = new DeploymentMemories((ns, name) -> forgotten.add(ns + "/" + name));

  private static AgentDeployment deployment(String name) {
    AgentDeployment d = new AgentDeployment();
    d.getMetadata().setNamespace("voice");
    d.getMetadata().setName(name);
    d.getMetadata().setUid("uid-" + name);
    return d;
  }

  @Test
  void oneMemoryPerDeploymentKeptAcrossPasses() {
    DeploymentMemory first = memories.of(deployment("a"), NOW);
    first.createFailure = "quota";
    assertThat(memories.of(deployment("a"), NOW.plusSeconds(5))).isSameAs(first);
    assertThat(memories.of(deployment("b"), NOW)).isNotSameAs(first);
  }

  @Test
  void aSweepNeverDropsTheMemoryOfADeploymentInUseEvenIfTheCacheDoesNotShowIt() {
    DeploymentMemory inUse = memories.of(deployment("a"), NOW);
    memories.sweep(Set::of, NOW.plusSeconds(30));
    assertThat(memories.of(deployment("a"), NOW.plusSeconds(31))).isSameAs(inUse);
    assertThat(forgotten).isEmpty();
  }

  @Test
  void aSweepForgetsDeploymentsGoneFromTheCacheAndUnusedForAMinute() {
    memories.of(deployment("gone"), NOW);
    memories.of(deployment("kept"), NOW);
    memories.sweep(() -> Set.of("uid-kept"), NOW.plus(DeploymentMemories.UNUSED).plusSeconds(1));
    assertThat(forgotten).containsExactly("voice/gone");
    assertThat(memories.size()).isEqualTo(1);
  }

  @Test
  void everyRememberedDeploymentCanBeAskedForAPass() {
    memories.of(deployment("a"), NOW);
    memories.of(deployment("b"), NOW);
    List<String> asked = new ArrayList<>();
    memories.each((ns, name) -> asked.add(ns + "/" + name));
    assertThat(asked).containsExactlyInAnyOrder("voice/a", "voice/b");
  }

  @Test
  void forgetRunsTheHooksOnce() {
    memories.of(deployment("a"), NOW);
    memories.forget("uid-a");
    memories.forget("uid-a");
    assertThat(forgotten).containsExactly("voice/a");
  }

  @Test
  void aDeleteIsSentOnceAndForgottenWhenTheCacheShowsIt() {
    DeploymentMemory m = new DeploymentMemory("voice", "a");
    assertThat(m.deletedNow("p1", NOW)).isTrue();
    assertThat(m.deletedNow("p1", NOW.plusSeconds(1))).as("never a second delete (a second SIGTERM)").isFalse();
    assertThat(m.pendingDeletes(Set.of("p1"), Set.of(), NOW.plusSeconds(1))).containsOnlyKeys("p1");
    assertThat(m.pendingDeletes(Set.of("p1"), Set.of("p1"), NOW.plusSeconds(2))).isEmpty();
  }

  @Test
  void lastKnownCountsKeepTheLastKnownReadingAndForgetGonePods() {
    DeploymentMemory m = new DeploymentMemory("voice", "a");
    m.lastKnown(Map.of("p1", InFlight.of(3), "p2", InFlight.of(1)), Set.of("p1", "p2"));
    Map<String, Integer> after = m.lastKnown(Map.of("p1", InFlight.unknown("timeout")), Set.of("p1"));
    assertThat(after).containsExactly(Map.entry("p1", 3));
  }

  @Test
  void aFailedCreateLooksAgainNoLaterThanTheDecisionAsked() {
    assertThat(Actor.afterCreateFailure(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
    assertThat(Actor.afterCreateFailure(null)).isEqualTo(Actor.CREATE_RETRY);
    assertThat(Actor.afterCreateFailure(Duration.ofMinutes(5))).isEqualTo(Actor.CREATE_RETRY);
  }
}
