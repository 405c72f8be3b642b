package tech.openrtc.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OperatorCountersTest {

  @Test
  void readsTheCountersFromPrometheusTextSummingSeries() {
    String text = """
        # HELP operator_sdk_reconciliations_started_total
        # TYPE operator_sdk_reconciliations_started_total counter
        operator_sdk_reconciliations_started_total{group="agents.openrtc.tech",kind="AgentDeployment"} 40.0
        operator_sdk_reconciliations_started_total{group="agents.openrtc.tech",kind="Other"} 2.0
        openrtc_inflight_probe_requests_total 17.0
        openrtc_inflight_probe_rounds_total 5.0
        openrtc_livekit_requests_total{method="ListParticipants"} 9.0
        openrtc_livekit_requests_total{method="ListRooms"} 3.0
        openrtc_livekit_webhooks_total{result="accepted"} 6.0
        openrtc_livekit_webhooks_total{result="rejected"} 1.0
        openrtc_livekit_webhook_reprobes_total 4.0
        jvm_memory_used_bytes{area="heap",id="Tenured Gen"} 1.2E7
        """;

    OperatorCounters c = OperatorCounters.fromPrometheus(text, 7);

    assertThat(c).isEqualTo(new OperatorCounters(42, 17, 5, 3, 9, 6, 4, 7));
  }

  @Test
  void perPodPerMinuteIsOverTheWindow() {
    OperatorCounters window = new OperatorCounters(60, 0, 0, 0, 0, 0, 0, 30_000_000_000L);

    assertThat(window.perPodMinute(window.reconciles(), 3)).isEqualTo(40.0);
    assertThat(window.perPodMinute(window.reconciles(), 0)).isZero();
  }
}
