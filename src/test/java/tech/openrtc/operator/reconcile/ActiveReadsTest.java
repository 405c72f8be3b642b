package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ActiveReadsTest {

  private static final Duration PERIOD = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:07.250Z");

  @Test
  void theNextReadIsWithinOnePeriodAndThenEveryPeriod() {
    Instant first = ActiveReads.next("uid-1", NOW, PERIOD);
    assertThat(first).isAfter(NOW).isBeforeOrEqualTo(NOW.plus(PERIOD));
    assertThat(ActiveReads.next("uid-1", first, PERIOD)).isEqualTo(first.plus(PERIOD));
  }

  @Test
  void deploymentsReadInDifferentSecondsOfThePeriod() {
    Set<Long> seconds = new HashSet<>();
    IntStream.range(0, 100).forEach(i -> seconds.add(ActiveReads.next("uid-" + i, NOW, PERIOD).getEpochSecond() % 30));
    // 100 deployments over a 30 s period: most seconds have some, none has them all.
    assertThat(seconds).hasSizeGreaterThan(20);
  }
}
