package tech.openrtc.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;

class OperatorMetricsTest {

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final OperatorMetrics metrics = new OperatorMetrics(registry);

  static VersionStatus version(String version, Role role, int replicas, Integer inFlight) {
    VersionStatus v = new VersionStatus();
    v.setVersion(version);
    v.setRole(role);
    v.setReplicas(replicas);
    v.setInFlight(inFlight);
    return v;
  }

  @Test
  void gaugesFollowTheVersionsInStatusUnderTheirPrometheusNames() {
    metrics.versions("voice", "support", List.of(version("v1", Role.Draining, 2, 5), version("v2", Role.Active, 3, 1)));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("openrtc_agentdeployment_replicas{name=\"support\",namespace=\"voice\",role=\"Draining\",version=\"v1\"} 2")
        .contains("openrtc_agentdeployment_inflight_calls{name=\"support\",namespace=\"voice\",role=\"Draining\",version=\"v1\"} 5")
        .contains("openrtc_agentdeployment_replicas{name=\"support\",namespace=\"voice\",role=\"Active\",version=\"v2\"} 3")
        .contains("openrtc_calls_cut_total{name=\"support\",namespace=\"voice\"} 0");

    // v1 is gone: its rows go too, v2 moves.
    metrics.versions("voice", "support", List.of(version("v2", Role.Active, 4, 0)));
    scrape = registry.scrape();
    assertThat(scrape).doesNotContain("version=\"v1\"")
        .contains("openrtc_agentdeployment_replicas{name=\"support\",namespace=\"voice\",role=\"Active\",version=\"v2\"} 4");
  }

  @Test
  void aDeletedDeploymentLosesItsGauges() {
    metrics.versions("voice", "a", List.of(version("v1", Role.Active, 1, 0)));
    metrics.versions("voice", "b", List.of(version("v1", Role.Active, 1, 0)));
    metrics.retainDeployments(Set.of("voice/b"));
    assertThat(registry.scrape()).doesNotContain("name=\"a\",namespace=\"voice\",role").contains("name=\"b\"");
  }

  @Test
  void drainsRolloutsAndCutsAreCountedAndTimed() {
    metrics.podDrained("voice", "s", "drained", Duration.ofSeconds(3));
    metrics.podDrained("voice", "s", "signal", null);
    metrics.callsCut("voice", "s", 2);
    metrics.rolloutCompleted("voice", "s", Duration.ofSeconds(40));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("openrtc_pods_drained_total{name=\"s\",namespace=\"voice\",reason=\"drained\"} 1")
        .contains("openrtc_pods_drained_total{name=\"s\",namespace=\"voice\",reason=\"signal\"} 1")
        .contains("openrtc_calls_cut_total{name=\"s\",namespace=\"voice\"} 2")
        .contains("openrtc_drain_duration_seconds_count{name=\"s\",namespace=\"voice\"} 1")
        .contains("openrtc_drain_duration_seconds_sum{name=\"s\",namespace=\"voice\"} 3")
        .contains("openrtc_rollout_duration_seconds_count{name=\"s\",namespace=\"voice\"} 1")
        .contains("openrtc_rollout_duration_seconds_bucket{");
  }
}
