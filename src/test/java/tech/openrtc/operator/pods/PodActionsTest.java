package tech.openrtc.operator.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Names;

@EnableKubernetesMockClient(crud = true)
class PodActionsTest {

  KubernetesClient client;

  @Test
  void theDrainMarkKeepsMillisecondsSoTheSettleTimeIsNeverRoundedAway() {
    Pod pod = client.pods().inNamespace("voice").resource(new PodBuilder().withNewMetadata().withName("w")
        .withNamespace("voice").endMetadata().withNewSpec().addNewContainer().withName("a").withImage("a")
        .endContainer().endSpec().build()).create();
    Instant at = Instant.parse("2026-12-01T12:00:00.750Z");

    new PodActions(client).markDraining("voice", PodState.of(pod), at, 60);

    Pod marked = client.pods().inNamespace("voice").withName("w").get();
    assertThat(marked.getMetadata().getAnnotations())
        .containsEntry(Names.ANNOTATION_DRAIN, "true")
        .containsEntry(Names.ANNOTATION_DRAIN_STARTED_AT, "2026-12-01T12:00:00.750Z")
        .containsEntry(Names.ANNOTATION_DRAIN_DEADLINE, "2026-12-01T12:01:00.750Z");
    assertThat(marked.getMetadata().getLabels()).containsEntry(Names.LABEL_DRAINING, "true");
    PodState seen = PodState.of(marked);
    assertThat(seen.drainStartedAt()).isEqualTo(at);
    assertThat(seen.fullyMarked()).isTrue();
  }
}
