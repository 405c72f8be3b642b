package tech.openrtc.operator.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Names;

class PodStateTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static PodBuilder base() {
    return new PodBuilder().withNewMetadata()
        .withName("support-rev1-bcdfg").withNamespace("voice").withUid("u-1")
        .withCreationTimestamp("2026-03-01T11:00:00Z")
        .addToLabels(Names.LABEL_DEPLOYMENT, "support")
        .addToLabels(Names.LABEL_REVISION, "rev1")
        .addToLabels(Names.LABEL_VERSION, "v1")
        .endMetadata();
  }

  private static PodBuilder running(boolean ready, String since) {
    return base().withNewStatus().withPhase("Running").withPodIP("10.0.0.7")
        .addNewCondition().withType("PodScheduled").withStatus("True").withLastTransitionTime("2026-03-01T11:00:00Z").endCondition()
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").withLastTransitionTime(since).endCondition()
        .endStatus();
  }

  @Test
  void readsLabelsAnnotationsAndStatus() {
    Pod pod = running(true, "2026-03-01T11:30:00Z")
        .editMetadata()
          .addToLabels(Names.LABEL_DRAINING, "true")
          .addToLabels(Names.LABEL_ROLE, Names.ROLE_DRAINING)
          .addToAnnotations(Names.ANNOTATION_DRAIN, "true")
          .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, "2026-03-01T11:50:00Z")
          .addToAnnotations(Names.ANNOTATION_DRAIN_DEADLINE, "2026-03-01T12:50:00+00:00")
          .addToAnnotations(Names.ANNOTATION_IN_FLIGHT, "2")
          .withDeletionTimestamp("2026-03-01T11:59:00Z")
        .endMetadata()
        .build();

    PodState s = PodState.of(pod);

    assertThat(s.name()).isEqualTo("support-rev1-bcdfg");
    assertThat(s.uid()).isEqualTo("u-1");
    assertThat(s.revision()).isEqualTo("rev1");
    assertThat(s.version()).isEqualTo("v1");
    assertThat(s.createdAt()).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
    assertThat(s.podIp()).isEqualTo("10.0.0.7");
    assertThat(s.phase()).isEqualTo("Running");
    assertThat(s.ready()).isTrue();
    assertThat(s.readySince()).isEqualTo(Instant.parse("2026-03-01T11:30:00Z"));
    assertThat(s.drainAnnotated()).isTrue();
    assertThat(s.drainLabeled()).isTrue();
    assertThat(s.drainStartedAt()).isEqualTo(Instant.parse("2026-03-01T11:50:00Z"));
    assertThat(s.drainDeadline()).isEqualTo(Instant.parse("2026-03-01T12:50:00Z"));
    assertThat(s.terminating()).isTrue();
    assertThat(s.inFlightAnnotation()).isEqualTo("2");
    assertThat(s.resourceVersion()).isEqualTo(pod.getMetadata().getResourceVersion());
    assertThat(s.role()).isEqualTo(Names.ROLE_DRAINING);
    assertThat(s.draining()).isTrue();
    assertThat(s.fullyMarked()).isTrue();
  }

  @Test
  void notReadyHasNoReadySince() {
    PodState s = PodState.of(running(false, "2026-03-01T11:30:00Z").build());

    assertThat(s.ready()).isFalse();
    assertThat(s.readySince()).isNull();
    assertThat(s.available(0, NOW)).isFalse();
  }

  @Test
  void aPodWithoutStatusOrMarksIsNeitherReadyNorDraining() {
    PodState s = PodState.of(base().build());

    assertThat(s.phase()).isNull();
    assertThat(s.podIp()).isNull();
    assertThat(s.ready()).isFalse();
    assertThat(s.draining()).isFalse();
    assertThat(s.fullyMarked()).isFalse();
    assertThat(s.terminating()).isFalse();
    assertThat(s.inFlightAnnotation()).isNull();
  }

  @Test
  void eitherDrainMarkMeansDrainingButOnlyAllOfThemIsFullyMarked() {
    PodState annotationOnly = PodState.of(base().editMetadata()
        .addToAnnotations(Names.ANNOTATION_DRAIN, "true")
        .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, "2026-03-01T11:50:00Z")
        .addToAnnotations(Names.ANNOTATION_DRAIN_DEADLINE, "2026-03-01T12:50:00Z")
        .endMetadata().build());
    PodState labelOnly = PodState.of(base().editMetadata().addToLabels(Names.LABEL_DRAINING, "true").endMetadata().build());
    PodState noTimes = PodState.of(base().editMetadata()
        .addToLabels(Names.LABEL_DRAINING, "true").addToAnnotations(Names.ANNOTATION_DRAIN, "true").endMetadata().build());
    PodState badTime = PodState.of(base().editMetadata()
        .addToLabels(Names.LABEL_DRAINING, "true")
        .addToAnnotations(Names.ANNOTATION_DRAIN, "true")
        .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, "yesterday")
        .addToAnnotations(Names.ANNOTATION_DRAIN_DEADLINE, "2026-03-01T12:50:00Z")
        .endMetadata().build());
    PodState falseMarks = PodState.of(base().editMetadata()
        .addToLabels(Names.LABEL_DRAINING, "false").addToAnnotations(Names.ANNOTATION_DRAIN, "false").endMetadata().build());

    assertThat(annotationOnly.draining()).isTrue();
    assertThat(annotationOnly.fullyMarked()).isFalse();
    assertThat(labelOnly.draining()).isTrue();
    assertThat(labelOnly.fullyMarked()).isFalse();
    assertThat(noTimes.draining()).isTrue();
    assertThat(noTimes.fullyMarked()).isFalse();
    assertThat(badTime.drainStartedAt()).isNull();
    assertThat(badTime.fullyMarked()).isFalse();
    assertThat(falseMarks.draining()).isFalse();
  }

  @Test
  void exitedMeansTheWorkerCannotHoldACall() {
    assertThat(withPhase("Failed", "10.0.0.7").exited()).isTrue();
    assertThat(withPhase("Failed", "10.0.0.7").failed()).isTrue();
    assertThat(withPhase("Succeeded", "10.0.0.7").exited()).isTrue();
    assertThat(withPhase("Succeeded", "10.0.0.7").failed()).isFalse();
    assertThat(withPhase("Pending", null).exited()).isTrue();
    assertThat(withPhase(null, null).exited()).isTrue();

    assertThat(withPhase("Running", "10.0.0.7").exited()).isFalse();
    assertThat(withPhase("Running", null).exited()).as("running without a reported IP may hold calls").isFalse();
    assertThat(withPhase("Pending", "10.0.0.7").exited()).isFalse();
    assertThat(withPhase("Unknown", null).exited()).as("node lost: the worker may still run").isFalse();
  }

  @Test
  void availableAfterMinReadySeconds() {
    PodState s = PodState.of(running(true, "2026-03-01T11:59:30Z").build());

    assertThat(s.available(0, NOW)).isTrue();
    assertThat(s.available(30, NOW)).isTrue();   // exactly 30s
    assertThat(s.available(31, NOW)).isFalse();
    assertThat(s.available(31, NOW.plusSeconds(1))).isTrue();
  }

  @Test
  void readyWithoutATransitionTimeIsAvailable() {
    PodState s = PodState.of(base().withNewStatus().withPhase("Running").withPodIP("10.0.0.7")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build());

    assertThat(s.ready()).isTrue();
    assertThat(s.readySince()).isNull();
    assertThat(s.available(60, NOW)).isTrue();
  }

  private static PodState withPhase(String phase, String ip) {
    return PodState.of(base().withNewStatus().withPhase(phase).withPodIP(ip).endStatus().build());
  }
}
