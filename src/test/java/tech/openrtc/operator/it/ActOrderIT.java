package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.RecordedCall;

/**
 * The order in which a pass acts, as the API server saw it: a revision's record and credential
 * before its first pod, and in the promoting pass the status (the recovery point) and then the
 * membership before the first old pod is marked.
 */
class ActOrderIT extends OperatorIT {

  @Test
  void aRolloutWritesInTheOrderTheActorPromises() {
    t.create(deployment("ordered", "v1", 2));
    t.awaitHealthyAt("ordered", "v1", Duration.ofSeconds(20));
    t.sim.requests().reset();

    t.setVersion("ordered", "v2");
    t.awaitHealthyAt("ordered", "v2", Duration.ofSeconds(30));
    List<String> writes = t.sim.requests().all().stream()
        .filter(c -> c.isWrite() && c.userAgentStartsWith(OperatorTestSupport.OPERATOR_UA))
        .map(RecordedCall::verbAndResource)
        .filter(w -> !w.equals("create events"))
        .toList();

    int firstPodCreate = writes.indexOf("create pods");
    assertThat(firstPodCreate).as("writes: %s", writes).isPositive();
    assertThat(writes.indexOf("create controllerrevisions")).as("record before the first pod: %s", writes)
        .isBetween(0, firstPodCreate);
    assertThat(writes.indexOf("create secrets")).as("credential before the first pod: %s", writes)
        .isBetween(0, firstPodCreate);

    int firstMark = writes.indexOf("patch pods");
    int lastCreateBeforeMark = writes.subList(0, firstMark).lastIndexOf("create pods");
    List<String> promotingPass = writes.subList(lastCreateBeforeMark + 1, firstMark);
    assertThat(promotingPass).as("between the last preview create and the first drain mark: %s", writes)
        .containsSubsequence("patch agentdeployments/status", "patch configmaps");
  }
}
