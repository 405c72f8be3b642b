package tech.openrtc.operator.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The operator's own counters: reconciles (JOSDK's meter), in-flight probe requests and rounds,
 * LiveKit RoomService requests sent (ListRooms, ListParticipants), webhooks accepted and the
 * re-probes they asked for. {@code nanos} is when a snapshot was taken; after {@link #minus}, how
 * long the window between the two snapshots lasted.
 */
record OperatorCounters(long reconciles, long probeRequests, long probeRounds, long listRooms,
    long listParticipants, long webhooksAccepted, long webhookReprobes, long nanos) {

  /** The same counters from the operator's /metrics (Prometheus text format), each summed over its series. */
  static OperatorCounters fromPrometheus(String text, long nanos) {
    Map<String, Double> sums = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, brace >= 0 ? brace : line.indexOf(' '));
      String labels = brace >= 0 ? line.substring(brace, line.lastIndexOf('}') + 1) : "";
      double value = Double.parseDouble(line.substring(space + 1));
      sums.merge(name, value, Double::sum);
      if (!labels.isEmpty()) {
        sums.merge(name + labels, value, Double::sum);
      }
    }
    return new OperatorCounters(
        count(sums, "operator_sdk_reconciliations_started_total"),
        count(sums, "openrtc_inflight_probe_requests_total"),
        count(sums, "openrtc_inflight_probe_rounds_total"),
        count(sums, "openrtc_livekit_requests_total{method=\"ListRooms\"}"),
        count(sums, "openrtc_livekit_requests_total{method=\"ListParticipants\"}"),
        count(sums, "openrtc_livekit_webhooks_total{result=\"accepted\"}"),
        count(sums, "openrtc_livekit_webhook_reprobes_total"),
        nanos);
  }

  private static long count(Map<String, Double> sums, String key) {
    return Math.round(sums.getOrDefault(key, 0.0));
  }

  OperatorCounters minus(OperatorCounters before) {
    return new OperatorCounters(reconciles - before.reconciles, probeRequests - before.probeRequests,
        probeRounds - before.probeRounds, listRooms - before.listRooms, listParticipants - before.listParticipants,
        webhooksAccepted - before.webhooksAccepted, webhookReprobes - before.webhookReprobes, nanos - before.nanos);
  }

  long liveKitRequests() {
    return listRooms + listParticipants;
  }

  /** Poll periods of {@code pollSeconds} in the window (a window from {@link #minus}). */
  double polls(int pollSeconds) {
    return nanos / 1e9 / pollSeconds;
  }

  /** Per pod per minute over the window (a window from {@link #minus}): how often each pod costs a reconcile. */
  double perPodMinute(long count, int pods) {
    double minutes = nanos / 60e9;
    return pods == 0 || minutes <= 0 ? 0 : count / (pods * minutes);
  }
}
