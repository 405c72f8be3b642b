package tech.openrtc.operator.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

/** The rollback write: never over a newer edit of the spec. */
@EnableKubernetesMockClient(crud = true)
class HistoryKeeperTest {

  KubernetesClient client;

  private AgentDeployment create(String version) {
    AgentDeployment d = new AgentDeployment();
    d.getMetadata().setName("support");
    d.getMetadata().setNamespace("voice");
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion(version);
    spec.setTemplate(template("agent:" + version));
    d.setSpec(spec);
    return client.resources(AgentDeployment.class).inNamespace("voice").resource(d).create();
  }

  private static io.fabric8.kubernetes.api.model.PodTemplateSpec template(String image) {
    return new PodTemplateSpecBuilder().withNewSpec().addNewContainer().withName("a").withImage(image).endContainer()
        .endSpec().build();
  }

  private AgentDeployment read() {
    return client.resources(AgentDeployment.class).inNamespace("voice").withName("support").get();
  }

  private ControllerRevision v1Record(AgentDeployment owner) {
    return RevisionHistory.build(owner, new RevisionTemplate("rev1", "v1", null, template("agent:v1")), 1);
  }

  @Test
  void aRollbackDecidedFromAStaleReadDoesNotOverwriteANewerEdit() {
    AgentDeployment stale = create("v2");
    // The user sets v3 after the operator read v2 (its cache is behind).
    client.resources(AgentDeployment.class).inNamespace("voice").withName("support")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"version\":\"v3\"}}");

    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> new HistoryKeeper(client).rollback(stale, v1Record(stale)));

    assertThat(e).as("the conditional write is refused").isNotNull();
    assertThat(e.getCode()).isIn(409, 422);
    assertThat(read().getSpec().getVersion()).isEqualTo("v3");
  }

  @Test
  void aRollbackFromTheCurrentResourceIsWritten() {
    AgentDeployment current = create("v2");

    new HistoryKeeper(client).rollback(current, v1Record(current));

    assertThat(read().getSpec().getVersion()).isEqualTo("v1");
    assertThat(read().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("agent:v1");
  }
}
