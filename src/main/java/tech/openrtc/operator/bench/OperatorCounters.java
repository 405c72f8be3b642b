package tech.openrtc.operator.bench;

import tech.openrtc.operator.AgentOperator;

/**
 * The operator's own counters: reconciles (JOSDK's meter), in-flight probe requests and rounds,
 * LiveKit RoomService requests, webhooks accepted and the re-probes they asked for.
 */
record OperatorCounters(long reconciles, long probeRequests, long probeRounds, long liveKitRequests,
    long webhooksAccepted, long webhookReprobes) {

  static OperatorCounters of(AgentOperator operator) {
    var liveKit = operator.prober().liveKit();
    return new OperatorCounters(BenchMetrics.reconciles(operator.meterRegistry()), operator.prober().requestsSent(),
        operator.prober().rounds(), liveKit.listRoomsSent() + liveKit.listParticipantsSent(),
        operator.webhooks().accepted(), operator.webhooks().reprobes());
  }

  OperatorCounters minus(OperatorCounters before) {
    return new OperatorCounters(reconciles - before.reconciles, probeRequests - before.probeRequests,
        probeRounds - before.probeRounds, liveKitRequests - before.liveKitRequests,
        webhooksAccepted - before.webhooksAccepted, webhookReprobes - before.webhookReprobes);
  }
}
