package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.reconcile.Conditions;

/**
 * A value of the wrong JSON type, which a real API server refuses by the CRD's schema and the mock
 * server stores: it used to stop the informer's watch, and JOSDK then exits the JVM. Now it is
 * InvalidSpec naming the field, no pod is touched, and fixing it recovers.
 */
class WrongTypeSpecIT extends OperatorIT {

  @Test
  @SuppressWarnings("unchecked")
  void aNewDeploymentOfTheWrongTypeIsInvalidAndTheOthersAreReconciled() {
    Map<String, Object> d = Serialization.jsonMapper().convertValue(deployment("wrong", "v1", 2), Map.class);
    ((Map<String, Object>) d.get("spec")).put("replicas", "three");
    ((Map<String, Object>) ((Map<String, Object>) d.get("spec")).get("drain")).put("trigger", "Whenever");
    GenericKubernetesResource raw = Serialization.jsonMapper().convertValue(d, GenericKubernetesResource.class);
    t.user.genericKubernetesResources(AgentDeployment.API_VERSION, AgentDeployment.KIND).inNamespace(NS)
        .resource(raw).create();
    t.create(deployment("plain", "v1", 1));

    AgentDeployment seen = t.awaitPhase("wrong", Phase.Degraded, Duration.ofSeconds(10));
    Condition invalid = Conditions.find(seen.getStatus().getConditions(), Conditions.INVALID_SPEC);
    assertThat(invalid.getStatus()).isEqualTo("True");
    assertThat(invalid.getMessage()).contains("spec.replicas: expected an integer", "spec.drain.trigger");
    assertThat(t.pods("wrong")).isEmpty();
    t.awaitHealthyAt("plain", "v1", Duration.ofSeconds(20));

    rawPatch("wrong", "{\"spec\":{\"replicas\":2,\"drain\":{\"trigger\":\"Annotation\"}}}");
    t.awaitHealthyAt("wrong", "v1", Duration.ofSeconds(20));
    assertThat(t.pods("wrong")).hasSize(2);
  }

  @Test
  void breakingARunningDeploymentByTypeTouchesNoPodAndFixingItRecovers() {
    t.create(deployment("running", "v1", 2));
    t.awaitHealthyAt("running", "v1", Duration.ofSeconds(20));
    long podWritesBefore = podWrites();

    // "three" read as absent would scale to the default, 1; {} for the containers would be a rollout.
    rawPatch("running", "{\"spec\":{\"replicas\":\"three\",\"template\":{\"spec\":{\"containers\":{}}}}}");
    AgentDeployment bad = t.awaitPhase("running", Phase.Degraded, Duration.ofSeconds(10));
    assertThat(bad.getStatus().getMessage()).contains("spec.replicas", "spec.template.spec.containers");
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> podWrites() == podWritesBefore);
    assertThat(t.pods("running")).hasSize(2).allMatch(p -> OperatorTestSupport.version(p).equals("v1"));

    rawPatch("running", Serialization.asJson(Map.of("spec", Map.of("replicas", 2,
        "template", deployment("running", "v1", 2).getSpec().getTemplate()))));
    AgentDeployment fixed = t.awaitHealthyAt("running", "v1", Duration.ofSeconds(20));
    assertThat(Conditions.find(fixed.getStatus().getConditions(), Conditions.INVALID_SPEC).getStatus()).isEqualTo("False");
    assertThat(podWrites()).isEqualTo(podWritesBefore);
  }

  /** A merge patch as raw JSON: the typed client could not even say "three". */
  private void rawPatch(String name, String json) {
    t.user.genericKubernetesResources(AgentDeployment.API_VERSION, AgentDeployment.KIND).inNamespace(NS)
        .withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  private long podWrites() {
    return t.sim.requests().writes(c -> "pods".equals(c.resource()) && c.userAgentStartsWith(OperatorTestSupport.OPERATOR_UA));
  }
}
