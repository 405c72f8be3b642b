package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AnnotationInFlightSource;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.reconcile.Conditions;

/** The mock server enforces no schema: every rule must hold in Java, and nothing is touched. */
class InvalidSpecIT extends OperatorIT {


  private void assertRejected(String name, Consumer<AgentDeployment> breakIt, String field) {
    AgentDeployment d = deployment(name, "v1", 2);
    breakIt.accept(d);
    t.create(d);
    AgentDeployment seen = t.awaitPhase(name, Phase.Degraded, Duration.ofSeconds(10));
    Condition invalid = Conditions.find(seen.getStatus().getConditions(), Conditions.INVALID_SPEC);
    assertThat(invalid).isNotNull();
    assertThat(invalid.getStatus()).isEqualTo("True");
    assertThat(invalid.getMessage()).contains(field);
    assertThat(seen.getStatus().getMessage()).contains(field);
    assertThat(t.pods(name)).isEmpty();
  }

  @Test
  void missingVersion() {
    assertRejected("noversion", d -> d.getSpec().setVersion(null), "spec.version");
  }

  @Test
  void badVersionString() {
    assertRejected("badversion", d -> d.getSpec().setVersion("v1 beta!"), "spec.version");
  }

  @Test
  void negativeReplicas() {
    assertRejected("negative", d -> d.getSpec().setReplicas(-1), "spec.replicas");
  }

  @Test
  void noContainers() {
    assertRejected("empty", d -> d.getSpec().getTemplate().getSpec().getContainers().clear(),
        "spec.template.spec.containers");
  }

  @Test
  void twoInFlightSources() {
    assertRejected("twosources", d -> {
      InFlightSpec inFlight = new InFlightSpec();
      inFlight.setHttp(new HttpInFlightSource());
      inFlight.setAnnotation(new AnnotationInFlightSource());
      d.getSpec().getDrain().setInFlight(inFlight);
    }, "spec.drain.inFlight");
  }

  @Test
  void breakingARunningDeploymentTouchesNoPodAndFixingItRecovers() {
    t.create(deployment("running", "v1", 2));
    t.awaitHealthyAt("running", "v1", Duration.ofSeconds(20));
    long podWritesBefore = podWrites();

    t.patchSpec("running", "{\"version\":\"v2\",\"replicas\":-3}");
    AgentDeployment bad = t.awaitPhase("running", Phase.Degraded, Duration.ofSeconds(10));
    assertThat(bad.getStatus().getMessage()).contains("spec.replicas");
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> podWrites() == podWritesBefore);
    assertThat(t.pods("running")).hasSize(2).allMatch(p -> OperatorTestSupport.version(p).equals("v1"));

    t.patchSpec("running", "{\"replicas\":2}");
    AgentDeployment fixed = t.awaitHealthyAt("running", "v2", Duration.ofSeconds(20));
    assertThat(Conditions.find(fixed.getStatus().getConditions(), Conditions.INVALID_SPEC).getStatus()).isEqualTo("False");
  }

  private long podWrites() {
    return t.sim.requests().all().stream()
        .filter(c -> c.isWrite() && "pods".equals(c.resource()) && c.userAgentStartsWith(OperatorTestSupport.OPERATOR_UA))
        .count();
  }
}
