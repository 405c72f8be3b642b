package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;

class NotStatusOnlyTest {

  private final NotStatusOnly filter = new NotStatusOnly();

  private static AgentDeployment deployment() {
    AgentDeployment d = new AgentDeployment();
    d.getMetadata().setName("support");
    d.getMetadata().setGeneration(3L);
    d.getMetadata().setResourceVersion("10");
    d.setSpec(Fixtures.rawSpec(s -> s.setReplicas(2)));
    return d;
  }

  private static AgentDeployment copy(AgentDeployment d) {
    AgentDeployment c = Serialization.clone(d);
    c.getMetadata().setResourceVersion("11");
    return c;
  }

  @Test
  void ourOwnStatusWriteComingBackStartsNoPass() {
    AgentDeployment old = deployment();
    AgentDeployment updated = copy(old);
    AgentDeploymentStatus status = new AgentDeploymentStatus();
    status.setPhase(Phase.Draining);
    updated.setStatus(status);
    assertThat(filter.accept(updated, old)).isFalse();
  }

  @Test
  void specAnnotationsFinalizersAndDeletionStartOne() {
    AgentDeployment old = deployment();

    AgentDeployment spec = copy(old);
    spec.getSpec().setVersion("v2"); // even where the server does not count generations
    assertThat(filter.accept(spec, old)).isTrue();

    AgentDeployment generation = copy(old);
    generation.getMetadata().setGeneration(4L);
    assertThat(filter.accept(generation, old)).isTrue();

    AgentDeployment command = copy(old);
    command.getMetadata().setAnnotations(Map.of(Names.ANNOTATION_PROMOTE, "true"));
    assertThat(filter.accept(command, old)).isTrue();

    AgentDeployment finalizer = copy(old);
    finalizer.getMetadata().setFinalizers(List.of(Names.FINALIZER));
    assertThat(filter.accept(finalizer, old)).isTrue();

    AgentDeployment deleted = copy(old);
    deleted.getMetadata().setDeletionTimestamp("2026-12-01T12:00:00Z");
    assertThat(filter.accept(deleted, old)).isTrue();
  }
}
