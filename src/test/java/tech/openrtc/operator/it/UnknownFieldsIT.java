package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.reconcile.Decider;

/**
 * A newer CRD applied before the operator is upgraded (GitOps syncs CRDs first), or a schema that
 * keeps unknown fields: one AgentDeployment carrying fields this version does not know must not
 * stop the informer, and with it every other deployment in the cluster.
 */
class UnknownFieldsIT extends OperatorIT {

  @Test
  @SuppressWarnings("unchecked")
  void aDeploymentWithUnknownFieldsIsReconciledAndSoIsEveryOther() {
    Map<String, Object> newer = Serialization.jsonMapper().convertValue(deployment("newer", "v1", 2), Map.class);
    Map<String, Object> spec = (Map<String, Object>) newer.get("spec");
    spec.put("canary", Map.of("steps", 3));
    ((Map<String, Object>) spec.computeIfAbsent("drain", k -> new java.util.HashMap<>())).put("preStopSeconds", 30);
    ((Map<String, Object>) spec.computeIfAbsent("strategy", k -> new java.util.HashMap<>())).put("surge", Map.of("percent", 50));
    GenericKubernetesResource raw = Serialization.jsonMapper().convertValue(newer, GenericKubernetesResource.class);
    t.user.genericKubernetesResources(AgentDeployment.API_VERSION, AgentDeployment.KIND).inNamespace(NS)
        .resource(raw).create();
    t.create(deployment("plain", "v1", 1));

    t.awaitHealthyAt("newer", "v1", Duration.ofSeconds(20));
    t.awaitHealthyAt("plain", "v1", Duration.ofSeconds(20));
    assertThat(t.pods("newer")).hasSize(2);

    // Said once, naming every unknown field.
    await().atMost(Duration.ofSeconds(5)).until(() -> !unknownFieldEvents().isEmpty());
    t.setVersion("newer", "v2");
    t.awaitHealthyAt("newer", "v2", Duration.ofSeconds(30));
    assertThat(unknownFieldEvents()).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getInvolvedObject().getName()).isEqualTo("newer");
      assertThat(e.getMessage()).contains("spec.canary", "spec.drain.preStopSeconds", "spec.strategy.surge");
    });
    t.assertNoCallCut();
  }

  private java.util.List<io.fabric8.kubernetes.api.model.Event> unknownFieldEvents() {
    return t.user.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> Decider.UNKNOWN_FIELDS.equals(e.getReason())).toList();
  }
}
