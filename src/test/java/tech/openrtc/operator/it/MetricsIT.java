package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/** /metrics scraped over HTTP while a rollout runs: the values move with it. */
class MetricsIT extends OperatorIT {

  private final HttpClient http = HttpClient.newHttpClient();

  private String scrape() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + t.operator().httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    return response.body();
  }

  /** The value of one series, or -1 when it is absent. */
  private static double value(String scrape, String metric, String version, String role) {
    Pattern p = Pattern.compile("^" + metric + "\\{name=\"m\",namespace=\"" + NS + "\",role=\"" + role
        + "\",version=\"" + version + "\"} (\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void replicasInFlightDrainsAndRolloutTimesMoveDuringARollout() throws Exception {
    t.create(deployment("m", "v1", 2));
    t.awaitHealthyAt("m", "v1", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(
        () -> value(scrape(), "openrtc_agentdeployment_replicas", "v1", "Active") == 2);
    String before = scrape();
    assertThat(value(before, "openrtc_calls_cut_total{name=\"m\",namespace=\"voice\",reason=\"drain_deadline\"}")).isZero();
    assertThat(before).contains("operator_sdk_reconciliations_executions").contains("jvm_memory_used_bytes");

    CallGenerator calls = t.sim.calls(NS, "m", CallProfile.manual());
    // Long enough to outlast the 3 s hand-over after promotion, so v1 is seen draining with them.
    assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();
    assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();
    t.setVersion("m", "v2");
    // While v1 drains, its calls show up on the Draining row.
    await().atMost(Duration.ofSeconds(10)).until(
        () -> value(scrape(), "openrtc_agentdeployment_inflight_calls", "v1", "Draining") >= 1);

    t.awaitHealthyAt("m", "v2", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(
        () -> value(scrape(), "openrtc_agentdeployment_replicas", "v2", "Active") == 2);
    String after = scrape();
    assertThat(value(after, "openrtc_agentdeployment_replicas", "v1", "Draining")).as("v1 rows removed").isEqualTo(-1);
    assertThat(value(after, "openrtc_pods_drained_total{name=\"m\",namespace=\"voice\",reason=\"drained\"}"))
        .isEqualTo(2);
    assertThat(value(after, "openrtc_drain_duration_seconds_count{name=\"m\",namespace=\"voice\"}")).isEqualTo(2);
    assertThat(value(after, "openrtc_drain_duration_seconds_max{name=\"m\",namespace=\"voice\"}")).isGreaterThan(1);
    assertThat(value(after, "openrtc_rollout_duration_seconds_count{name=\"m\",namespace=\"voice\"}")).isEqualTo(1);
    assertThat(value(after, "openrtc_calls_cut_total{name=\"m\",namespace=\"voice\",reason=\"drain_deadline\"}")).isZero();
    assertThat(value(after, "openrtc_inflight_probe_requests_total"))
        .isGreaterThan(value(before, "openrtc_inflight_probe_requests_total"));
    assertThat(after).contains("openrtc_inflight_probe_errors_total");
    t.assertNoCallCut();
  }
}
