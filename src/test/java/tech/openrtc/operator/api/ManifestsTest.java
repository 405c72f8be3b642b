package tech.openrtc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.LeaderPodLabel;
import tech.openrtc.operator.api.YamlDocuments.Doc;

/**
 * The install manifests agree with each other where kustomize cannot make them. (RbacIT checks
 * the rules themselves against the API calls the operator makes.)
 */
class ManifestsTest {

  private static final List<Doc> DOCS = YamlDocuments.below("manifests");

  private static JsonNode only(String kind, String file) {
    List<Doc> found = DOCS.stream()
        .filter(d -> d.kind().equals(kind) && d.file().toString().equals(file))
        .toList();
    assertThat(found).as("one %s in %s", kind, file).hasSize(1);
    return found.get(0).node();
  }

  private static JsonNode deployment() {
    return only("Deployment", "manifests/base/deployment.yaml");
  }

  @Test
  void theNamespacedRoleGrantsExactlyTheClusterRolesRulesButNodes() {
    // Nodes are cluster-scoped: no Role can grant them (a namespaced install runs without evacuation).
    List<JsonNode> clusterRules = new java.util.ArrayList<>();
    only("ClusterRole", "manifests/clusterrole.yaml").path("rules").forEach(r -> {
      if (!texts(r.path("resources")).contains("nodes")) {
        clusterRules.add(r);
      }
    });
    List<JsonNode> roleRules = new java.util.ArrayList<>();
    only("Role", "manifests/namespaced/role.yaml").path("rules").forEach(roleRules::add);
    assertThat(roleRules).isEqualTo(clusterRules);
  }

  @Test
  void theNamespacedPatchKeepsEveryArgumentOfTheBaseDeployment() {
    // A strategic-merge patch replaces the whole args list, so a flag added to the base
    // (say --leader-election) would silently vanish from the single-namespace install.
    JsonNode patched = only("Deployment", "manifests/namespaced/deployment-watch-own-namespace.yaml");
    List<String> patchedArgs = texts(patched.at("/spec/template/spec/containers/0/args"));

    assertThat(patchedArgs).containsAll(texts(deployment().at("/spec/template/spec/containers/0/args")));
    assertThat(patchedArgs).contains("--leader-election", "--namespace");
  }

  @Test
  void theServicesAndTheDisruptionBudgetSelectTheOperatorPods() {
    JsonNode podLabels = deployment().at("/spec/template/metadata/labels");
    for (String[] selector : new String[][] {
        {"Service", "manifests/base/service.yaml", "/spec/selector"},
        {"Service", "manifests/base/metrics-service.yaml", "/spec/selector"},
        {"PodDisruptionBudget", "manifests/base/poddisruptionbudget.yaml", "/spec/selector/matchLabels"}}) {
      JsonNode labels = only(selector[0], selector[1]).at(selector[2]);
      assertThat(labels.size()).as("%s selects something", selector[1]).isPositive();
      labels.fields().forEachRemaining((Map.Entry<String, JsonNode> label) ->
          assertThat(podLabels.path(label.getKey())).as("%s %s", selector[1], label.getKey()).isEqualTo(label.getValue()));
    }
    JsonNode webhookSelector = only("Service", "manifests/base/webhook-service.yaml").at("/spec/selector");
    webhookSelector.fields().forEachRemaining((Map.Entry<String, JsonNode> label) -> {
      if (!label.getKey().equals(LeaderPodLabel.LABEL)) {
        assertThat(podLabels.path(label.getKey())).as("webhook-service.yaml %s", label.getKey()).isEqualTo(label.getValue());
      }
    });
    JsonNode metricsPort = only("Service", "manifests/base/metrics-service.yaml").at("/spec/ports/0");
    assertThat(metricsPort.path("name").asText()).isEqualTo("http-metrics");
    assertThat(metricsPort.path("targetPort").asText())
        .isEqualTo(deployment().at("/spec/template/spec/containers/0/ports/0/name").asText());
  }

  @Test
  void theWebhookServiceSelectsOnlyThePodTheLeaderLabels() {
    // A standby answers /livekit/webhook with 503: the Service must not send webhooks to it.
    JsonNode selector = only("Service", "manifests/base/webhook-service.yaml").at("/spec/selector");
    assertThat(selector.path(LeaderPodLabel.LABEL).asText()).isEqualTo("true");
    assertThat(deployment().at("/spec/template/metadata/labels").has(LeaderPodLabel.LABEL))
        .as("the label is the leader's to add, not the template's").isFalse();
    assertThat(deployment().at("/spec/template/spec/containers/0/args").toString()).contains("--leader-election");
    // The operator finds its own pod from these (downward API).
    Map<String, String> fieldRefs = new java.util.HashMap<>();
    deployment().at("/spec/template/spec/containers/0/env").forEach(e ->
        fieldRefs.put(e.path("name").asText(), e.at("/valueFrom/fieldRef/fieldPath").asText()));
    assertThat(fieldRefs).containsEntry("POD_NAME", "metadata.name").containsEntry("POD_NAMESPACE", "metadata.namespace");
    JsonNode port = only("Service", "manifests/base/webhook-service.yaml").at("/spec/ports/0");
    assertThat(port.path("targetPort").asText())
        .isEqualTo(deployment().at("/spec/template/spec/containers/0/ports/0/name").asText());
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }
}
