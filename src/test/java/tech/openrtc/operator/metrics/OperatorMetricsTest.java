package tech.openrtc.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        .contains("openrtc_calls_cut_total{name=\"support\",namespace=\"voice\",reason=\"drain_deadline\"} 0")
        .contains("openrtc_calls_cut_total{name=\"support\",namespace=\"voice\",reason=\"pod_lost\"} 0");

    // v1 is gone: its rows go too, v2 moves.
    metrics.versions("voice", "support", List.of(version("v2", Role.Active, 4, 0)));
    scrape = registry.scrape();
    assertThat(scrape).doesNotContain("version=\"v1\"")
        .contains("openrtc_agentdeployment_replicas{name=\"support\",namespace=\"voice\",role=\"Active\",version=\"v2\"} 4");
  }

  @Test
  void aVersionGoneFromStatusLosesItsGaugesAndNoOtherDeploymentsDo() {
    metrics.versions("voice", "a", List.of(version("v1", Role.Draining, 1, 2), version("v2", Role.Active, 3, 0)));
    metrics.versions("voice", "b", List.of(version("v1", Role.Draining, 1, 4)));

    metrics.versions("voice", "a", List.of(version("v2", Role.Active, 3, 0)));

    String scrape = registry.scrape();
    assertThat(scrape)
        .doesNotContain("name=\"a\",namespace=\"voice\",role=\"Draining\"")
        .contains("openrtc_agentdeployment_replicas{name=\"a\",namespace=\"voice\",role=\"Active\",version=\"v2\"} 3")
        .contains("openrtc_agentdeployment_inflight_calls{name=\"b\",namespace=\"voice\",role=\"Draining\",version=\"v1\"} 4");
  }

  @Test
  void aDeletedDeploymentLosesItsGauges() {
    metrics.versions("voice", "a", List.of(version("v1", Role.Active, 1, 0)));
    metrics.versions("voice", "b", List.of(version("v1", Role.Active, 1, 0)));
    metrics.forget("voice", "a");
    assertThat(registry.scrape()).doesNotContain("name=\"a\",namespace=\"voice\",role").contains("name=\"b\"");
  }

  @Test
  void drainsRolloutsAndCutsAreCountedAndTimed() {
    metrics.podDrained("voice", "s", "drained", Duration.ofSeconds(3));
    metrics.podDrained("voice", "s", "signal", null);
    metrics.callsCut("voice", "s", OperatorMetrics.CUT_AT_DEADLINE, 2);
    metrics.rolloutCompleted("voice", "s", Duration.ofSeconds(40));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("openrtc_pods_drained_total{name=\"s\",namespace=\"voice\",reason=\"drained\"} 1")
        .contains("openrtc_pods_drained_total{name=\"s\",namespace=\"voice\",reason=\"signal\"} 1")
        .contains("openrtc_calls_cut_total{name=\"s\",namespace=\"voice\",reason=\"drain_deadline\"} 2")
        .contains("openrtc_drain_duration_seconds_count{name=\"s\",namespace=\"voice\"} 1")
        .contains("openrtc_drain_duration_seconds_sum{name=\"s\",namespace=\"voice\"} 3")
        .contains("openrtc_rollout_duration_seconds_count{name=\"s\",namespace=\"voice\"} 1")
        .contains("openrtc_rollout_duration_seconds_bucket{");
  }

  @Test
  void concurrentReconcilesRecordEachDeploymentUnderItsOwnTags() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Long>> calls = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      // Even threads record "a" (1 s rollouts, 100 ms drains), odd ones "b" (2 s, 200 ms), for 2 s.
      String name = t % 2 == 0 ? "a" : "b";
      long factor = t % 2 == 0 ? 1 : 2;
      calls.add(pool.submit(() -> {
        start.await();
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        long n = 0;
        for (; System.nanoTime() < until; n++) {
          metrics.rolloutCompleted("voice", name, Duration.ofSeconds(factor));
          metrics.podDrained("voice", name, "drained", Duration.ofMillis(100 * factor));
        }
        return n;
      }));
    }
    start.countDown();
    long[] made = new long[2];
    for (int t = 0; t < threads; t++) {
      made[t % 2] += calls.get(t).get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    for (String name : List.of("a", "b")) {
      long each = made[name.equals("a") ? 0 : 1];
      long factor = name.equals("a") ? 1 : 2;
      Timer rollout = registry.get("openrtc.rollout.duration").tags("namespace", "voice", "name", name).timer();
      assertThat(rollout.count()).as("rollouts of %s", name).isEqualTo(each);
      assertThat(rollout.totalTime(TimeUnit.SECONDS)).as("rollout time of %s", name).isEqualTo(each * factor);
      Timer drain = registry.get("openrtc.drain.duration").tags("namespace", "voice", "name", name).timer();
      assertThat(drain.count()).as("drains of %s", name).isEqualTo(each);
      assertThat(drain.totalTime(TimeUnit.MILLISECONDS)).as("drain time of %s", name).isEqualTo(each * 100 * factor);
      assertThat(registry.get("openrtc.pods.drained").tags("namespace", "voice", "name", name).counter().count())
          .isEqualTo(each);
    }
  }

  @Test
  void forgetRemovesEveryMeterOfThatDeploymentAndNoOther() {
    for (String name : List.of("a", "b")) {
      metrics.versions("voice", name, List.of(version("v1", Role.Draining, 1, 2), version("v2", Role.Active, 2, 0)));
      metrics.podDrained("voice", name, "drained", Duration.ofSeconds(3));
      metrics.callsCut("voice", name, OperatorMetrics.CUT_POD_LOST, 1);
      metrics.rolloutCompleted("voice", name, Duration.ofSeconds(40));
    }
    int perDeployment = deploymentMeters("b").size();
    assertThat(perDeployment).as("4 gauges, 3 counters (calls cut by 2 reasons), 2 timers").isEqualTo(9);

    metrics.forget("voice", "a");

    assertThat(deploymentMeters("a")).isEmpty();
    assertThat(deploymentMeters("b")).hasSize(perDeployment);
    assertThat(registry.scrape()).doesNotContain("name=\"a\"").contains("name=\"b\"");
    // Recorded again after a forget (a new deployment of the same name), it starts from 0.
    metrics.callsCut("voice", "a", OperatorMetrics.CUT_POD_LOST, 1);
    assertThat(registry.get("openrtc.calls.cut").tags("namespace", "voice", "name", "a", "reason", "pod_lost")
        .counter().count()).isEqualTo(1);
  }

  private List<Meter> deploymentMeters(String name) {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith("openrtc."))
        .filter(m -> "voice".equals(m.getId().getTag("namespace")) && name.equals(m.getId().getTag("name")))
        .toList();
  }
}
