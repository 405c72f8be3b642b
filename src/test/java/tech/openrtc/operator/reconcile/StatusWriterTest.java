package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;

class StatusWriterTest {

  static AgentDeploymentStatus draining(int calls, int ready, String conditionStatus) {
    AgentDeploymentStatus s = new AgentDeploymentStatus();
    s.setPhase(Phase.Draining);
    s.setMessage("3 old workers draining, " + calls + " calls in flight");
    s.setDrainingCalls(calls);
    VersionStatus v = new VersionStatus();
    v.setVersion("v1");
    v.setRole(Role.Draining);
    v.setReplicas(3);
    v.setReady(ready);
    v.setInFlight(calls);
    s.setVersions(List.of(v));
    s.setConditions(List.of(new ConditionBuilder().withType("Draining").withStatus(conditionStatus)
        .withReason("OldWorkersDraining").withMessage(calls + " calls in flight").build()));
    return s;
  }

  @Test
  void aChangeOfCallCountsAloneIsAnInFlightOnlyChange() {
    assertThat(StatusWriter.onlyInFlightDiffers(draining(5, 3, "True"), draining(4, 3, "True"))).isTrue();
  }

  @Test
  void anyOtherChangeIsNot() {
    assertThat(StatusWriter.onlyInFlightDiffers(draining(5, 3, "True"), draining(5, 2, "True"))).isFalse();
    assertThat(StatusWriter.onlyInFlightDiffers(draining(5, 3, "True"), draining(4, 3, "False"))).isFalse();
    AgentDeploymentStatus healthy = draining(0, 3, "True");
    healthy.setPhase(Phase.Healthy);
    assertThat(StatusWriter.onlyInFlightDiffers(draining(1, 3, "True"), healthy)).isFalse();
    assertThat(StatusWriter.onlyInFlightDiffers(null, draining(1, 3, "True"))).isFalse();
    // Reaching 0 (or leaving it) is what a user waits for: written at once.
    assertThat(StatusWriter.onlyInFlightDiffers(draining(1, 3, "True"), draining(0, 3, "True"))).isFalse();
    assertThat(StatusWriter.onlyInFlightDiffers(draining(0, 3, "True"), draining(2, 3, "True"))).isFalse();
  }

  @Test
  void callCountsAloneAreThrottledByTheTimeGivenNotTheWallClock() {
    Instant lastWrite = Instant.parse("2020-01-01T00:00:00Z"); // years before the wall clock
    assertThat(StatusWriter.due(draining(5, 3, "True"), draining(4, 3, "True"), lastWrite, lastWrite.plusSeconds(1)))
        .as("1 s after the last write: throttled").isFalse();
    assertThat(StatusWriter.due(draining(5, 3, "True"), draining(4, 3, "True"), lastWrite, lastWrite.plusSeconds(5)))
        .as("5 s after").isTrue();
    assertThat(StatusWriter.due(draining(5, 3, "True"), draining(5, 2, "True"), lastWrite, lastWrite.plusSeconds(1)))
        .as("anything else at once").isTrue();
    assertThat(StatusWriter.due(draining(5, 3, "True"), draining(5, 3, "True"), lastWrite, lastWrite.plusSeconds(60)))
        .as("nothing changed: nothing to write").isFalse();
  }

  @Test
  void callCountsOfServingPodsAloneAreWrittenAtMostOnceAMinute() {
    AgentDeploymentStatus before = draining(5, 3, "True");
    VersionStatus active = new VersionStatus();
    active.setVersion("v2");
    active.setRole(Role.Active);
    active.setReplicas(3);
    active.setReady(3);
    active.setInFlight(7);
    before.setVersions(List.of(active, before.getVersions().get(0)));
    AgentDeploymentStatus after = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
        .convertValue(before, AgentDeploymentStatus.class);
    after.getVersions().get(0).setInFlight(0);
    Instant lastWrite = Instant.parse("2020-01-01T00:00:00Z");
    assertThat(StatusWriter.due(before, after, lastWrite, lastWrite.plusSeconds(59)))
        .as("active calls 7 -> 0 alone, within a minute").isFalse();
    assertThat(StatusWriter.due(before, after, lastWrite, lastWrite.plusSeconds(60)))
        .as("a minute after the last write").isTrue();
    AgentDeploymentStatus unread = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
        .convertValue(after, AgentDeploymentStatus.class);
    unread.getVersions().get(0).setInFlight(null);
    assertThat(StatusWriter.due(unread, after, lastWrite, lastWrite.plusSeconds(600)))
        .as("absent and 0 are the same: an idle deployment writes nothing").isFalse();
    Instant longAfter = lastWrite.plusSeconds(600);
    after.getVersions().get(1).setReady(2);
    assertThat(StatusWriter.due(before, after, Instant.parse("2020-01-01T00:00:00Z"), longAfter))
        .as("with a real change").isTrue();
  }
}
