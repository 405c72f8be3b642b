package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.api.Times;
import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.reconcile.Fixtures.NOW;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static final Instant EARLIER = NOW.minusSeconds(600);

  private static Condition old(String type, String status) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason("Old").withMessage("old")
        .withLastTransitionTime(Times.format(EARLIER)).withObservedGeneration(1L).build();
  }

  @Test
  void aNewConditionStartsNow() {
    List<Condition> built = new Conditions(null, 3L, NOW)
        .set(Conditions.AVAILABLE, true, "MinimumReplicasAvailable", "3 of 3")
        .build();

    assertThat(built).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("Available");
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("MinimumReplicasAvailable");
      assertThat(c.getMessage()).isEqualTo("3 of 3");
      assertThat(c.getLastTransitionTime()).isEqualTo("2026-03-01T12:00:00Z");
      assertThat(c.getObservedGeneration()).isEqualTo(3L);
    });
  }

  @Test
  void sameStatusKeepsTheTransitionTimeButUpdatesTheRest() {
    Condition c = Conditions.find(new Conditions(List.of(old("Available", "True")), 2L, NOW)
        .set(Conditions.AVAILABLE, true, "New", "new message").build(), "Available");

    assertThat(c.getLastTransitionTime()).isEqualTo(Times.format(EARLIER));
    assertThat(c.getReason()).isEqualTo("New");
    assertThat(c.getMessage()).isEqualTo("new message");
    assertThat(c.getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void changedStatusMovesTheTransitionTime() {
    Condition c = Conditions.find(new Conditions(List.of(old("Available", "True")), 2L, NOW)
        .set(Conditions.AVAILABLE, false, "MinimumReplicasUnavailable", "2 of 3").build(), "Available");

    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getLastTransitionTime()).isEqualTo(Times.format(NOW));
  }

  @Test
  void unknownIsAStatusOfItsOwn() {
    Condition c = Conditions.find(new Conditions(List.of(old("Progressing", "True")), 2L, NOW)
        .set(Conditions.PROGRESSING, "Unknown", "Paused", "paused").build(), "Progressing");

    assertThat(c.getStatus()).isEqualTo("Unknown");
    assertThat(c.getLastTransitionTime()).isEqualTo(Times.format(NOW));
  }

  @Test
  void conditionsNotSetAreCarriedOverAndTheLastSetWins() {
    List<Condition> built = new Conditions(List.of(old("Available", "True"), old("ReplicaFailure", "True")), 2L, NOW)
        .set(Conditions.AVAILABLE, false, "First", "first")
        .set(Conditions.AVAILABLE, true, "Second", "second")
        .build();

    assertThat(built).extracting(Condition::getType).containsExactly("Available", "ReplicaFailure");
    assertThat(Conditions.find(built, "Available").getReason()).isEqualTo("Second");
    assertThat(Conditions.find(built, "Available").getLastTransitionTime()).isEqualTo(Times.format(EARLIER));
    assertThat(Conditions.find(built, "ReplicaFailure")).isEqualTo(old("ReplicaFailure", "True"));
  }

  @Test
  void findIsNullSafe() {
    assertThat(Conditions.find(null, "Available")).isNull();
    assertThat(Conditions.find(List.of(old("Draining", "False")), "Available")).isNull();
  }
}
