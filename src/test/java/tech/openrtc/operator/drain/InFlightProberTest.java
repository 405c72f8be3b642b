package tech.openrtc.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodState;
import tech.openrtc.operator.reconcile.SpecValidator;

/** How old a shared LiveKit scan may be for one probe round. */
class InFlightProberTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static ProbeSettings spec(int pollSeconds) {
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("v1");
    spec.setTemplate(new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder()
        .withNewSpec().addNewContainer().withName("agent").withImage("agent:1").endContainer().endSpec().build());
    spec.setDrain(new DrainSpec());
    spec.getDrain().setPollSeconds(pollSeconds);
    return SpecValidator.effective(spec).probe();
  }

  private static PodState pod(String name, Instant drainStartedAt) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).endMetadata();
    if (drainStartedAt != null) {
      b.editMetadata().addToAnnotations(Names.ANNOTATION_DRAIN, "true")
          .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, drainStartedAt.toString()).endMetadata();
    }
    return PodState.of(b.build());
  }

  @Test
  void halfAPollWhenNoDrainMarkIsAtStake() {
    ProbeSettings spec = spec(10);
    assertThat(InFlightProber.maxScanAge(List.of(pod("active", null)), spec, NOW)).isEqualTo(Duration.ofSeconds(5));
    // Marked long ago: its settle time is further back than half a poll.
    assertThat(InFlightProber.maxScanAge(List.of(pod("old", NOW.minusSeconds(60))), spec, NOW))
        .isEqualTo(Duration.ofSeconds(5));
    // Still within its settle time (3 s): its 0 does not count yet, whatever the scan's age.
    assertThat(InFlightProber.maxScanAge(List.of(pod("new", NOW.minusMillis(1500))), spec, NOW))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(InFlightProber.maxScanAge(List.of(), spec(1), NOW)).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void neverAScanFromBeforeADrainMarkHadSettled() {
    ProbeSettings spec = spec(10);
    // Marked 3.3 s ago, settled 0.3 s ago: a call taken before the worker saw the mark may be in no
    // scan older than that, so no such scan may read this pod 0.
    List<PodState> pods = List.of(pod("old", NOW.minusSeconds(60)), pod("marked", NOW.minusMillis(3300)),
        pod("active", null));
    assertThat(InFlightProber.maxScanAge(pods, spec, NOW)).isEqualTo(Duration.ofMillis(300));
  }
}
