package tech.openrtc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tech.openrtc.operator.api.YamlDocuments.Doc;
import tech.openrtc.operator.reconcile.SpecValidator;

/**
 * Every YAML file under examples/ and manifests/ parses, and every AgentDeployment in them is
 * one the operator accepts: no field the CRD classes do not know, no field the CRD schema would
 * prune (a misspelt template field vanishes silently on a real cluster), and no
 * {@link SpecValidator} error.
 */
class ExamplesTest {

  private static final List<Doc> DOCS = YamlDocuments.below("examples", "manifests");

  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final JsonNode SPEC_SCHEMA = YamlDocuments
      .parse(Path.of("crds", CrdUpToDateTest.FILE)).get(0).node()
      .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");

  static Stream<Doc> documents() {
    return DOCS.stream();
  }

  static Stream<Doc> agentDeployments() {
    return DOCS.stream().filter(d -> d.kind().equals(AgentDeployment.KIND));
  }

  static Stream<Doc> autoscalers() {
    return DOCS.stream().filter(d -> d.kind().equals("HorizontalPodAutoscaler"));
  }

  @Test
  void theExamplesAreFound() {
    // Guards the globbing: an empty set would make every parameterized test below pass vacuously.
    assertThat(agentDeployments().map(d -> d.file().toString())).contains(
        "examples/demo.yaml",
        "examples/quickstart.yaml",
        "examples/openrtc-worker/agentdeployment.yaml",
        "examples/livekit-agents-signal/agentdeployment.yaml");
    assertThat(autoscalers().map(d -> d.file().toString())).containsExactly("examples/hpa.yaml");
    assertThat(documents().map(Doc::kind)).contains("Deployment", "ClusterRole", "Role", "Kustomization");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void everyDocumentHasApiVersionAndKind(Doc doc) {
    assertThat(doc.node().isObject()).as("%s is a mapping", doc).isTrue();
    assertThat(doc.node().path("apiVersion").asText()).as("%s apiVersion", doc).isNotBlank();
    assertThat(doc.kind()).as("%s kind", doc).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("agentDeployments")
  void everyAgentDeploymentIsAcceptedAsWritten(Doc doc) throws Exception {
    AgentDeployment agd = readStrictly(doc.node());

    assertThat(agd.getApiVersion()).isEqualTo(AgentDeployment.API_VERSION);
    assertThat(SpecValidator.validate(agd.getSpec())).as("%s", doc).isEmpty();
    assertThat(prunedFields(doc.node().path("spec"))).as("%s: fields the CRD schema does not have", doc).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("autoscalers")
  void everyAutoscalerScalesAnAgentDeploymentOfTheExamples(Doc hpa) {
    JsonNode target = hpa.node().path("spec").path("scaleTargetRef");
    assertThat(hpa.node().path("apiVersion").asText()).isEqualTo("autoscaling/v2");
    assertThat(target.path("apiVersion").asText()).isEqualTo(AgentDeployment.API_VERSION);
    assertThat(target.path("kind").asText()).isEqualTo(AgentDeployment.KIND);
    Doc scaled = agentDeployments()
        .filter(d -> d.name().equals(target.path("name").asText()) && d.namespace().equals(hpa.namespace()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(hpa + " scales " + target + ", no AgentDeployment of the examples"));

    // A Resource metric needs that resource requested by every container, or the HPA has no
    // utilization to compute.
    for (JsonNode metric : hpa.node().path("spec").path("metrics")) {
      String resource = metric.path("resource").path("name").asText();
      if (metric.path("type").asText().equals("Resource")) {
        for (JsonNode container : scaled.node().at("/spec/template/spec/containers")) {
          assertThat(container.at("/resources/requests/" + resource).asText())
              .as("%s: container %s requests %s", scaled, container.path("name").asText(), resource)
              .isNotBlank();
        }
      }
    }
  }

  @Test
  void theWebhookIngressRoutesTheWebhookPathToTheWebhookServiceOverTls() {
    Doc ingress = DOCS.stream().filter(d -> d.kind().equals("Ingress")).findFirst().orElseThrow();
    assertThat(ingress.file().toString()).isEqualTo("examples/livekit-webhook-ingress.yaml");
    assertThat(ingress.node().path("apiVersion").asText()).isEqualTo("networking.k8s.io/v1");
    JsonNode path = ingress.node().at("/spec/rules/0/http/paths/0");
    assertThat(path.path("path").asText()).isEqualTo("/livekit/webhook");
    JsonNode backend = path.at("/backend/service");
    Doc service = DOCS.stream()
        .filter(d -> d.kind().equals("Service") && d.name().equals(backend.path("name").asText()))
        .findFirst().orElseThrow(() -> new AssertionError("no Service " + backend.path("name")));
    assertThat(service.file().toString()).isEqualTo("manifests/base/webhook-service.yaml");
    assertThat(service.namespace()).isEqualTo(ingress.namespace());
    List<String> portNames = new ArrayList<>();
    service.node().at("/spec/ports").forEach(p -> portNames.add(p.path("name").asText()));
    assertThat(portNames).contains(backend.at("/port/name").asText());
    JsonNode tls = ingress.node().at("/spec/tls/0");
    assertThat(tls.path("secretName").asText()).isNotBlank();
    assertThat(tls.path("hosts").get(0).asText()).isEqualTo(ingress.node().at("/spec/rules/0/host").asText());
  }

  @Test
  void aMisspeltSpecFieldIsRejected() throws Exception {
    JsonNode misspelt = new YAMLMapper().readTree("""
        apiVersion: agents.openrtc.tech/v1alpha1
        kind: AgentDeployment
        metadata: {name: x}
        spec:
          version: "1"
          replica: 3
          template: {spec: {containers: [{name: a, image: a}]}}
        """);

    assertThatThrownBy(() -> readStrictly(misspelt))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.replica");
  }

  @Test
  void aMisspeltTemplateFieldIsOneTheSchemaWouldPrune() {
    // fabric8's PodTemplateSpec keeps unknown fields (additionalProperties), so only the schema sees this.
    JsonNode spec = new ObjectMapper().valueToTree(Map.of(
        "version", "1",
        "template", Map.of("spec", Map.of(
            "terminationGracePeriod", 60,
            "containers", List.of(Map.of("name", "a", "image", "a", "env", List.of(Map.of("nam", "X"))))))));

    assertThat(prunedFields(spec)).containsExactlyInAnyOrder(
        "spec.template.spec.terminationGracePeriod", "spec.template.spec.containers[0].env[0].nam");
  }

  /** The operator tolerates unknown spec fields (a newer CRD); an example must have none. */
  private static AgentDeployment readStrictly(JsonNode node) throws Exception {
    AgentDeployment agd = STRICT.treeToValue(node, AgentDeployment.class);
    List<String> unknown = Tolerant.unknownPaths("spec", agd.getSpec());
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown fields: " + unknown);
    }
    return agd;
  }

  /** The paths under spec that the CRD's structural schema does not declare. */
  private static List<String> prunedFields(JsonNode spec) {
    List<String> pruned = new ArrayList<>();
    collectPruned(spec, SPEC_SCHEMA, "spec", pruned);
    return pruned;
  }

  private static void collectPruned(JsonNode value, JsonNode schema, String path, List<String> pruned) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        collectPruned(value.get(i), schema.path("items"), path + "[" + i + "]", pruned);
      }
    } else if (value.isObject()) {
      value.fields().forEachRemaining(field -> {
        String fieldPath = path + "." + field.getKey();
        JsonNode declared = schema.path("properties").path(field.getKey());
        JsonNode anyKey = schema.path("additionalProperties");
        if (!declared.isMissingNode()) {
          collectPruned(field.getValue(), declared, fieldPath, pruned);
        } else if (anyKey.isObject()) {
          collectPruned(field.getValue(), anyKey, fieldPath, pruned);
        } else {
          pruned.add(fieldPath);
        }
      });
    }
  }

  /**
   * Users copy examples: every one but the demo's has values for a real cluster (drains of at
   * least 10 minutes read no more often than every 5 s, a progress deadline of at least 5
   * minutes), and the demo's says in its first line that its values are not.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("agentDeployments")
  void examplesOtherThanTheDemoAreSafeToCopy(Doc doc) throws Exception {
    if (doc.file().toString().equals("examples/demo.yaml")) {
      assertThat(java.nio.file.Files.readAllLines(doc.file()).get(0)).startsWith("# DEMO VALUES, not for a real cluster");
      return;
    }
    JsonNode spec = doc.node().path("spec");
    assertThat(spec.path("drain").path("timeoutSeconds").asInt(3600)).as("%s drain.timeoutSeconds", doc)
        .isGreaterThanOrEqualTo(600);
    assertThat(spec.path("drain").path("pollSeconds").asInt(5)).as("%s drain.pollSeconds", doc)
        .isGreaterThanOrEqualTo(5);
    assertThat(spec.path("strategy").path("progressDeadlineSeconds").asInt(600)).as("%s progressDeadlineSeconds", doc)
        .isGreaterThanOrEqualTo(300);
  }
}
