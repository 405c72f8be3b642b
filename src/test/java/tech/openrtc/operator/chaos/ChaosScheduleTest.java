package tech.openrtc.operator.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ChaosScheduleTest {

  private static final List<FaultKind> ALL = FaultKind.injected(true);

  @Test
  void theSameSeedGivesTheSameSchedule() {
    assertThat(ChaosSchedule.plan(7, Duration.ofMinutes(2), 4, ALL, Duration.ofSeconds(4)))
        .isEqualTo(ChaosSchedule.plan(7, Duration.ofMinutes(2), 4, ALL, Duration.ofSeconds(4)));
    assertThat(ChaosSchedule.plan(7, Duration.ofMinutes(2), 4, ALL, Duration.ofSeconds(4)))
        .isNotEqualTo(ChaosSchedule.plan(8, Duration.ofMinutes(2), 4, ALL, Duration.ofSeconds(4)));
  }

  @Test
  void aShortRunStillInjectsEveryKindInsideItsWindow() {
    Duration window = Duration.ofMinutes(2);
    List<ChaosSchedule.Entry> plan = ChaosSchedule.plan(1, window, 3, ALL, Duration.ofSeconds(4));
    Set<FaultKind> kinds = plan.stream().map(ChaosSchedule.Entry::kind).collect(Collectors.toSet());
    assertThat(kinds).containsExactlyInAnyOrderElementsOf(ALL);
    assertThat(plan).allSatisfy(e -> {
      assertThat(e.at()).isLessThan(window);
      assertThat(e.deployment()).isBetween(0, 2);
    });
    assertThat(plan).isSortedAccordingTo(java.util.Comparator.comparing(ChaosSchedule.Entry::at));
  }

  @Test
  void withoutLeaderElectionThereIsNoHandover() {
    assertThat(ChaosSchedule.plan(1, Duration.ofMinutes(5), 2, FaultKind.injected(false), Duration.ofSeconds(2)))
        .noneMatch(e -> e.kind() == FaultKind.LEADER_HANDOVER);
  }

  @Test
  void aLongRunKeepsInjectingAtAboutTheMeanGap() {
    List<ChaosSchedule.Entry> plan = ChaosSchedule.plan(3, Duration.ofMinutes(30), 4, ALL, Duration.ofSeconds(4));
    long random = plan.stream().filter(e -> e.at().compareTo(Duration.ofMinutes(18)) > 0).count();
    // 12 minutes at one fault per 4 s on average, plus a version bump every 12.5 s on average.
    assertThat(random).isBetween(180L + 40, 180L + 58 + 80);
  }
}
