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
  void aLongRunKeepsInjectingAtAboutTheMeanGapFromEarlyOn() {
    List<ChaosSchedule.Entry> plan = ChaosSchedule.plan(3, Duration.ofMinutes(30), 4, ALL, Duration.ofSeconds(4));
    // Every kind once within 25 kinds x 4 s = 100 s.
    assertThat(plan.stream().filter(e -> e.at().compareTo(Duration.ofSeconds(100)) < 0).map(ChaosSchedule.Entry::kind)
        .collect(Collectors.toSet())).containsAll(ALL);
    for (int minute = 5; minute < 30; minute += 5) {
      Duration from = Duration.ofMinutes(minute);
      Duration to = Duration.ofMinutes(minute + 5);
      long faults = plan.stream().filter(e -> e.kind() != FaultKind.VERSION_BUMP)
          .filter(e -> e.at().compareTo(from) >= 0 && e.at().compareTo(to) < 0).count();
      // 5 minutes at one fault per 4 s on average: 75, give or take.
      assertThat(faults).as("faults in minutes %d-%d", minute, minute + 5).isBetween(50L, 100L);
    }
  }
}
