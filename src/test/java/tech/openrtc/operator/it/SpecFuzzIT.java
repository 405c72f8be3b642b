package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.chaos.SpecFuzzResult;
import tech.openrtc.operator.chaos.SpecFuzzRun;
import tech.openrtc.operator.chaos.SpecFuzzer;

/**
 * Spec fuzzing against the in-process operator (issue 16): mutated specs of every kind, applied
 * to a mock API server that enforces no schema. The operator never crashes or spins, touches no
 * pod for an invalid spec, names the field, and still reconciles another deployment afterwards.
 */
class SpecFuzzIT extends OperatorIT {

  @Test
  void mutatedSpecsOfEveryKindAreJudgedAndTheOperatorCarriesOn() {
    SpecFuzzResult result = new SpecFuzzRun(t.sim, "spec-fuzz", 16).run(45);

    assertThat(result.failures()).as(result.summary()).isEmpty();
    assertThat(result.tried()).isGreaterThanOrEqualTo(40);
    assertThat(result.byKind().keySet()).containsExactlyInAnyOrderElementsOf(SpecFuzzer.KINDS);
    assertThat(result.invalidRejected()).isPositive();
    assertThat(result.validAccepted()).isPositive();
    assertThat(result.invalidRejected() + result.validAccepted()).isEqualTo(result.tried());

    t.create(deployment("after", "v1", 1));
    t.awaitHealthyAt("after", "v1", Duration.ofSeconds(20));
  }
}
