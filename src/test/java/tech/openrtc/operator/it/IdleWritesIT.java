package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.RecordedCall;

/** Invariant 5: with nothing changing, the operator writes nothing. */
class IdleWritesIT extends OperatorIT {


  @Test
  void anIdleDeploymentCausesNoWritesOver30Seconds() throws Exception {
    var d = deployment("idle", "v1", 3);
    // Its pods are read every 2 s all through the window: reading is not writing.
    d.getSpec().getDrain().setActivePollSeconds(2);
    t.create(d);
    t.awaitHealthyAt("idle", "v1", Duration.ofSeconds(20));
    Thread.sleep(1000);
    long before = t.sim.requests().all().size();

    Thread.sleep(30_000);

    var writes = t.sim.requests().all().stream().skip(before)
        .filter(c -> c.isWrite() && c.userAgentStartsWith(OperatorTestSupport.OPERATOR_UA))
        .map(RecordedCall::verbAndResource)
        .collect(Collectors.toList());
    assertThat(writes).as("operator writes while idle").isEmpty();
  }
}
