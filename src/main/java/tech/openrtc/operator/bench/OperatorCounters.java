package tech.openrtc.operator.bench;

import tech.openrtc.operator.AgentOperator;

/**
 * The operator's own counters: reconciles (JOSDK's meter), in-flight probe requests and rounds,
 * LiveKit RoomService requests sent (ListRooms, ListParticipants), webhooks accepted and the
 * re-probes they asked for. {@code nanos} is when a snapshot was taken; after {@link #minus}, how
 * long the window between the two snapshots lasted.
 */
record OperatorCounters(long reconciles, long probeRequests, long probeRounds, long listRooms,
    long listParticipants, long webhooksAccepted, long webhookReprobes, long nanos) {

  static OperatorCounters of(AgentOperator operator) {
    var liveKit = operator.prober().liveKit();
    return new OperatorCounters(BenchMetrics.reconciles(operator.meterRegistry()), operator.prober().requestsSent(),
        operator.prober().rounds(), liveKit.listRoomsSent(), liveKit.listParticipantsSent(),
        operator.webhooks().accepted(), operator.webhooks().reprobes(), System.nanoTime());
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
}
