package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.drain.InFlight;

class SourceDisagreementsTest {

  static final Duration TWO_POLLS = Duration.ofSeconds(10);
  static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

  static InFlight lying() {
    return InFlight.crossChecked(InFlight.of(0), InFlight.of(1));
  }

  @Test
  void crossCheckedReadsZeroOnlyWhenBothDoAndUnknownWhenEitherIs() {
    assertThat(InFlight.crossChecked(InFlight.of(0), InFlight.of(0))).isEqualTo(InFlight.of(0));
    assertThat(InFlight.crossChecked(InFlight.of(2), InFlight.of(3)).count()).isEqualTo(3);
    assertThat(InFlight.crossChecked(InFlight.of(2), InFlight.of(3)).disagreement()).isNull();
    assertThat(lying().count()).isEqualTo(1);
    assertThat(lying().disagreement()).isEqualTo("worker endpoint reads 0, LiveKit reads 1");
    assertThat(InFlight.crossChecked(InFlight.of(2), InFlight.of(0)).disagreement()).isNotNull();
    assertThat(InFlight.crossChecked(InFlight.of(0), InFlight.unknown("LiveKit: down")).known()).isFalse();
    assertThat(InFlight.crossChecked(InFlight.unknown("refused"), InFlight.of(0)).error()).contains("refused");
  }

  @Test
  void aDisagreementIsReportedOnceItOutlastsTwoPollsAndOnlyOnce() {
    SourceDisagreements d = new SourceDisagreements();
    assertThat(d.observe(Map.of("p", lying()), T0, TWO_POLLS)).isEmpty();
    assertThat(d.observe(Map.of("p", lying()), T0.plusSeconds(5), TWO_POLLS)).isEmpty();
    assertThat(d.observe(Map.of("p", lying()), T0.plusSeconds(10), TWO_POLLS)).isEmpty();

    var third = d.observe(Map.of("p", lying()), T0.plusSeconds(11), TWO_POLLS);
    assertThat(third).singleElement().satisfies(l -> {
      assertThat(l.pod()).isEqualTo("p");
      assertThat(l.since()).isEqualTo(T0);
      assertThat(l.firstReport()).isTrue();
    });
    assertThat(d.observe(Map.of("p", lying()), T0.plusSeconds(16), TWO_POLLS))
        .singleElement().satisfies(l -> assertThat(l.firstReport()).isFalse());
  }

  @Test
  void agreementEndsTheEpisodeAndUnknownKeepsItOpen() {
    SourceDisagreements d = new SourceDisagreements();
    d.observe(Map.of("p", lying()), T0, TWO_POLLS);
    // An unknown reading says nothing about the two sources: the clock keeps running.
    assertThat(d.observe(Map.of("p", InFlight.unknown("timeout")), T0.plusSeconds(11), TWO_POLLS)).hasSize(1);
    // Both agree: over.
    assertThat(d.observe(Map.of("p", InFlight.of(1)), T0.plusSeconds(12), TWO_POLLS)).isEmpty();
    assertThat(d.observe(Map.of("p", lying()), T0.plusSeconds(13), TWO_POLLS)).isEmpty();
    // A pod that is no longer read is forgotten.
    assertThat(d.observe(Map.of(), T0.plusSeconds(30), TWO_POLLS)).isEmpty();
    assertThat(d.observe(Map.of("p", lying()), T0.plusSeconds(31), TWO_POLLS)).isEmpty();
  }
}
