package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.YamlDocuments;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/**
 * The monitoring kit (manifests/monitoring) parses, its Component lists its files, and every
 * metric its alerts and dashboard query is one the operator serves: read from a real scrape of
 * /metrics after a rollout under calls (which records a drain and a rollout) and a failed
 * reconcile.
 */
class MonitoringKitIT extends OperatorIT {

  private static final Path KIT = Path.of("manifests", "monitoring");
  /** The operator's metric names in PromQL; {@code up} and the like are Prometheus' own. */
  private static final Pattern METRIC = Pattern.compile("\\b(?:openrtc|operator_sdk)_[a-z_]+");
  private static final Set<String> ALERTS = Set.of("OpenRtcCallsCutAtDrainDeadline", "OpenRtcCallsLost",
      "OpenRtcDrainStalled", "OpenRtcInFlightUnknown", "OpenRtcReconcileFailing", "OpenRtcOperatorDown");

  private final HttpClient http = HttpClient.newHttpClient();

  private static JsonNode kustomization() {
    return only(KIT.resolve("kustomization.yaml"));
  }

  private static JsonNode rule() {
    return only(KIT.resolve("prometheusrule.yaml"));
  }

  private static JsonNode only(Path file) {
    List<YamlDocuments.Doc> docs = YamlDocuments.parse(file);
    assertThat(docs).as("one document in %s", file).hasSize(1);
    return docs.get(0).node();
  }

  private static JsonNode dashboard() throws IOException {
    return new ObjectMapper().readTree(KIT.resolve("dashboard.json").toFile());
  }

  private static List<JsonNode> rules() {
    List<JsonNode> rules = new ArrayList<>();
    rule().at("/spec/groups").forEach(g -> g.path("rules").forEach(rules::add));
    return rules;
  }

  /** Every panel, rows' collapsed panels included, but not the rows. */
  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(p -> {
      p.path("panels").forEach(panels::add);
      if (!p.path("type").asText().equals("row")) {
        panels.add(p);
      }
    });
    return panels;
  }

  /** The PromQL of the alerts, the dashboard's targets and its variables' queries. */
  private static List<String> queries() throws IOException {
    List<String> queries = new ArrayList<>();
    rules().forEach(r -> queries.add(r.path("expr").asText()));
    JsonNode dashboard = dashboard();
    panels(dashboard).forEach(p -> p.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
    dashboard.at("/templating/list").forEach(v -> queries.add(v.at("/query/query").asText()));
    return queries;
  }

  @Test
  void theComponentListsItsFilesAndTheyParse() throws IOException {
    JsonNode k = kustomization();
    assertThat(k.path("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1alpha1");
    assertThat(k.path("kind").asText()).isEqualTo("Component");
    Set<String> listed = new TreeSet<>();
    k.path("resources").forEach(r -> listed.add(r.asText()));
    JsonNode generator = k.at("/configMapGenerator/0");
    generator.path("files").forEach(f -> listed.add(f.asText().replaceFirst("^[^=]*=", "")));
    assertThat(generator.at("/options/disableNameSuffixHash").asBoolean()).isTrue();
    assertThat(generator.at("/options/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(generator.path("namespace").asText()).isEqualTo("openrtc-system");
    try (Stream<Path> files = Files.list(KIT)) {
      Set<String> present = new TreeSet<>(files.map(f -> f.getFileName().toString())
          .filter(f -> !f.equals("kustomization.yaml") && !f.equals("README.md")).toList());
      assertThat(listed).as("files the Component lists, and the kit's files").isEqualTo(present);
    }

    JsonNode rule = rule();
    assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(rule.at("/metadata/namespace").asText()).isEqualTo("openrtc-system");
    assertThat(rules().stream().map(r -> r.path("alert").asText())).containsExactlyInAnyOrderElementsOf(ALERTS);
    for (JsonNode r : rules()) {
      String alert = r.path("alert").asText();
      String expr = r.path("expr").asText();
      assertThat(r.path("for").asText()).as("%s for", alert).matches("\\d+[smh]");
      assertThat(r.at("/labels/severity").asText()).as("%s severity", alert).isIn("warning", "critical");
      assertThat(r.at("/annotations/summary").asText()).as("%s summary", alert).isNotBlank();
      assertThat(r.at("/annotations/description").asText()).as("%s description", alert).isNotBlank();
      if (expr.contains("by (namespace, name)")) {
        // The deployment is in the alert's labels, so its text names it.
        for (String annotation : new String[] {"summary", "description"}) {
          assertThat(r.at("/annotations/" + annotation).asText()).as("%s %s", alert, annotation)
              .contains("{{ $labels.namespace }}/{{ $labels.name }}");
        }
      }
    }
    // OpenRtcOperatorDown looks for the job a ServiceMonitor gives the metrics Service's targets.
    String metricsService = only(Path.of("manifests", "base", "metrics-service.yaml")).at("/metadata/name").asText();
    assertThat(rules()).filteredOn(r -> r.path("alert").asText().equals("OpenRtcOperatorDown"))
        .singleElement().satisfies(r -> assertThat(r.path("expr").asText())
            .contains("up{job=\"" + metricsService + "\"}"));

    JsonNode dashboard = dashboard();
    List<String> variables = new ArrayList<>();
    dashboard.at("/templating/list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).containsExactly("datasource", "namespace", "name");
    assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    assertThat(dashboard.at("/templating/list/1/query/query").asText()).contains("openrtc_agentdeployment_replicas");
    assertThat(dashboard.at("/templating/list/2/query/query").asText()).contains("openrtc_agentdeployment_replicas");
    assertThat(panels(dashboard)).hasSizeGreaterThanOrEqualTo(8).allSatisfy(p -> {
      String title = p.path("title").asText();
      assertThat(p.at("/datasource/uid").asText()).as("%s datasource", title).isEqualTo("${datasource}");
      assertThat(p.path("targets")).as("%s targets", title).isNotEmpty()
          .allSatisfy(t -> assertThat(t.path("expr").asText()).as("%s expr", title).isNotBlank());
    });
    List<Integer> ids = new ArrayList<>();
    dashboard.path("panels").forEach(p -> ids.add(p.path("id").asInt()));
    panels(dashboard).forEach(p -> ids.add(p.path("id").asInt()));
    assertThat(new TreeSet<>(ids)).as("panel ids are unique").hasSize(Set.copyOf(ids).size());
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardQueryIsInTheScrape() throws Exception {
    t.create(deployment("m", "v1", 2));
    t.awaitHealthyAt("m", "v1", Duration.ofSeconds(30));
    CallGenerator calls = t.sim.calls(NS, "m", CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(5))).isPresent();
    t.setVersion("m", "v2");
    t.awaitHealthyAt("m", "v2", Duration.ofSeconds(30));
    // A drain and a rollout recorded: their histograms have buckets.
    await().atMost(Duration.ofSeconds(10)).until(() -> scrape().contains("openrtc_drain_duration_seconds_count{")
        && scrape().contains("openrtc_rollout_duration_seconds_count{"));
    // A failed reconcile, so java-operator-sdk creates its failed counter: status writes refused
    // (403, as RBAC would) after a spec change that only the status follows. It counts a failure
    // only when no newer event is pending, so the deployment is quiet first and two are refused.
    t.sim.refuseNextPatches("/apis/" + AgentDeployment.API_VERSION + "/namespaces/" + NS
        + "/agentdeployments/m/status", 403, 2);
    t.patchSpec("m", "{\"drain\":{\"timeoutSeconds\":61}}");
    await().atMost(Duration.ofSeconds(20)).until(
        () -> scrape().contains("operator_sdk_reconciliations_failed_total{"));

    String scrape = scrape();
    Set<String> served = names(scrape);
    Set<String> used = new TreeSet<>();
    for (String query : queries()) {
      Matcher m = METRIC.matcher(query);
      while (m.find()) {
        used.add(m.group());
      }
    }
    // Guards the parsing: these are in the rule or the dashboard.
    assertThat(used).contains("openrtc_calls_cut_total", "openrtc_agentdeployment_replicas",
        "openrtc_agentdeployment_inflight_calls", "openrtc_drain_duration_seconds_bucket",
        "openrtc_rollout_duration_seconds_bucket", "openrtc_pods_drained_total",
        "openrtc_inflight_probe_errors_total", "operator_sdk_reconciliations_failed_total");
    assertThat(served).as("metrics in the scrape:\n%s", String.join("\n", served)).containsAll(used);
    // The label values the alerts select on.
    assertThat(scrape).contains("reason=\"drain_deadline\"", "reason=\"pod_lost\"", "role=\"Active\"");
    assertThat(scrape).containsPattern("operator_sdk_reconciliations_failed_total\\{[^}]*exception=\"");
    t.assertNoCallCut();
  }

  private String scrape() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + t.operator().httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The series names of a Prometheus text scrape. */
  private static Set<String> names(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(line);
      if (!line.startsWith("#") && m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
