package tech.openrtc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LenientSpecDeserializerTest {

  private static final String VALID_SPEC = "{\"version\":\"v1\",\"replicas\":2,\"template\":{\"spec\":{\"containers\":"
      + "[{\"name\":\"agent\",\"image\":\"a:1\",\"ports\":[{\"containerPort\":8081}]}]}},\"drain\":{\"trigger\":\"Annotation\"}}";

  private static AgentDeployment read(String spec) {
    return Serialization.unmarshal("{\"apiVersion\":\"" + AgentDeployment.API_VERSION + "\",\"kind\":\"AgentDeployment\","
        + "\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\"},\"spec\":" + spec + "}", AgentDeployment.class);
  }

  /** Replaces the value at a dotted path of the valid spec with raw JSON. */
  private static String with(String path, String json) {
    var spec = (com.fasterxml.jackson.databind.node.ObjectNode) Serialization.unmarshal(VALID_SPEC,
        com.fasterxml.jackson.databind.JsonNode.class);
    com.fasterxml.jackson.databind.JsonNode node = spec;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      node = parts[i].matches("\\d+") ? node.get(Integer.parseInt(parts[i])) : node.get(parts[i]);
    }
    ((com.fasterxml.jackson.databind.node.ObjectNode) node).set(parts[parts.length - 1],
        Serialization.unmarshal(json, com.fasterxml.jackson.databind.JsonNode.class));
    return spec.toString();
  }

  @Test
  void aValidSpecHasNoWrongTypes() {
    assertThat(read(VALID_SPEC).getSpec().wrongTypes()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "replicas | \"three\" | spec.replicas: expected an integer",
      "replicas | {} | spec.replicas: expected an integer",
      "replicas | [1] | spec.replicas: expected an integer",
      "version | {\"a\":1} | spec.version: expected a string",
      "version | [] | spec.version: expected a string",
      "template | 5 | spec.template: expected an object",
      "template | \"pod\" | spec.template: expected an object",
      "template | [1,2] | spec.template: expected an object",
      "template.spec.containers | {} | spec.template.spec.containers: expected an array",
      "template.spec.containers | 7 | spec.template.spec.containers: expected an array",
      "template.spec.containers.0.ports.0.containerPort | \"http\" | spec.template.spec.containers[0].ports[0].containerPort: expected an integer",
      "drain | \"x\" | spec.drain: expected an object",
      "drain.trigger | \"Whenever\" | spec.drain.trigger: expected one of [Annotation, Signal]",
      "drain.trigger | 3 | spec.drain.trigger",
      "paused | \"maybe\" | spec.paused: expected a boolean",
      "paused | {} | spec.paused: expected a boolean",
      "replicas | 9999999999 | spec.replicas: expected an integer",
      "replicas | true | spec.replicas: expected an integer",
      "drain | [] | spec.drain: expected an object",
      "template.spec.containers.0.ports.0.containerPort | 99999999999999999999 | spec.template.spec.containers[0].ports[0].containerPort: expected an integer",
  })
  void aValueOfTheWrongTypeIsReadAsNullAndNamed(String path, String json, String problem) {
    AgentDeploymentSpec spec = read(with(path, json)).getSpec();
    assertThat(spec.wrongTypes()).singleElement().asString().startsWith(problem);
    // The rest of the spec is read as written.
    assertThat(spec.getVersion()).isEqualTo(path.equals("version") ? null : "v1");
  }

  @Test
  void aContainerOfTheWrongTypeIsNamedByIndex() {
    AgentDeploymentSpec spec = read(with("template.spec.containers", "[5]")).getSpec();
    assertThat(spec.wrongTypes()).singleElement().asString().startsWith("spec.template.spec.containers[0]: expected an object");
  }

  @Test
  void severalProblemsAreAllNamed() {
    AgentDeploymentSpec spec = read(with("drain", "{\"pollSeconds\":\"often\",\"timeoutSeconds\":true}")).getSpec();
    assertThat(spec.wrongTypes()).hasSize(2).anyMatch(s -> s.startsWith("spec.drain.pollSeconds"))
        .anyMatch(s -> s.startsWith("spec.drain.timeoutSeconds"));
  }

  @Test
  void theProblemsSurviveNeitherASecondReadNorAWrite() {
    AgentDeployment d = read(with("replicas", "\"three\""));
    String written = Serialization.asJson(d);
    assertThat(written).doesNotContain("three", "wrongTypes");
    assertThat(Serialization.unmarshal(written, AgentDeployment.class).getSpec().wrongTypes()).isEmpty();
    // ...which is why the operator's copies carry them over.
    AgentDeployment copy = new KubernetesSerialization().clone(d);
    AgentDeploymentSpec.carryWrongTypes(d.getSpec(), copy.getSpec());
    assertThat(copy.getSpec().wrongTypes()).singleElement().asString().startsWith("spec.replicas");
  }

  @Test
  void everyMapperReadsLeniently() {
    KubernetesSerialization own = new KubernetesSerialization();
    AgentDeployment d = own.unmarshal("{\"apiVersion\":\"" + AgentDeployment.API_VERSION + "\",\"kind\":\"AgentDeployment\","
        + "\"metadata\":{\"name\":\"x\"},\"spec\":" + with("replicas", "\"three\"") + "}", AgentDeployment.class);
    assertThat(d.getSpec().wrongTypes()).singleElement().asString().startsWith("spec.replicas");
    // convertValue reads from a token buffer.
    AgentDeployment converted = own.convertValue(Serialization.unmarshal(own.asJson(Serialization.unmarshal(
        "{\"apiVersion\":\"" + AgentDeployment.API_VERSION + "\",\"kind\":\"AgentDeployment\",\"metadata\":{\"name\":\"x\"},"
        + "\"spec\":" + with("replicas", "\"three\"") + "}", java.util.Map.class)), java.util.Map.class), AgentDeployment.class);
    assertThat(converted.getSpec().wrongTypes()).singleElement().asString().startsWith("spec.replicas");
  }
}
