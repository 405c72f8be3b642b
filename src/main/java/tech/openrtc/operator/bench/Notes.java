package tech.openrtc.operator.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sentences for bench.md, made from one run's counts: why each write above the minimum was made,
 * idle writes, and each goal met or not.
 */
final class Notes {

  private Notes() {}

  /** Status writes are cheap to explain only by what changed: see StatusChange. */
  private static final Map<String, String> STATUS_CAUSES = Map.of(
      StatusChange.PHASE, "phase changes (the minimum)",
      StatusChange.REVISIONS, "target or active revision changed without a phase change",
      StatusChange.POD_COUNTS, "pod counts: each new pod Ready and each old pod gone changes replicas, readyReplicas,"
          + " drainingReplicas or versions[]; pods rarely change together, so about 2 x replicas per deployment",
      StatusChange.IN_FLIGHT, "in-flight counts: drainingCalls and versions[].inFlight follow the calls on draining pods"
          + " as they end, at most one write per poll",
      StatusChange.CONDITIONS, "a condition's message or the status message changed alone");

  static List<String> of(BenchResult r) {
    List<String> notes = new ArrayList<>();
    writes(r, notes);
    if (r.idleWrites() != null) {
      // With calls arriving, the active pods' call counts change: status may carry them at most
      // once a minute per deployment (StatusWriter.SERVING_ONLY_INTERVAL). Anything else is churn.
      long statusWrites = r.idleWritesByKind().getOrDefault("patch agentdeployments/status", 0L);
      long other = r.idleWrites() - statusWrites;
      double perDeploymentPerMinute = statusWrites * 60.0 / r.idleSeconds() / r.deployments();
      // A window may hold one write more per deployment than its minutes (one just inside each end).
      boolean met = other == 0 && statusWrites <= r.deployments() * (r.idleSeconds() / 60.0 + 1);
      notes.add(String.format(Locale.ROOT, "Idle writes (steady traffic, calls still arriving): %d in %d s: %d status"
              + " writes (%.2f per deployment per minute, the active pods' call counts; goal <= 1) and %d other (goal 0):"
              + " %s.", r.idleWrites(), r.idleSeconds(), statusWrites, perDeploymentPerMinute, other,
          met ? "met" : "NOT met " + r.idleWritesByKind()));
    }
    drainGoal(r, notes);
    overheadGoal(r, notes);
    BenchResult.Stats idle = r.idleAtDrainWait();
    double settle = BenchResult.settle(r.pollSeconds()).toSeconds();
    if (idle.count() > 0 && idle.min() < settle) {
      notes.add(String.format(Locale.ROOT, "%d pod(s) idle at drain start were deleted %.2f s after their drain mark at"
          + " the soonest, less than the settle time of %.0f s (min(pollSeconds, 2 s)): the operator measures settle"
          + " time from the drain-started-at annotation, which is written at second precision, so a pod marked late in"
          + " a second gets up to 1 s less%s.", idle.count(), idle.min(), settle,
          r.podsDeletedWithLiveCalls() == 0 ? "; no pod was deleted with a live call in this run" : ""));
    }
    if (r.podsDeletedWithLiveCalls() > 0) {
      notes.add(r.podsDeletedWithLiveCalls() + " pod(s) held a live call when their DELETE arrived (invariant 1): graceful"
          + " termination let the call finish, but the drain should have waited.");
    }
    if (r.operator().webhooksAccepted() > 0) {
      notes.add(String.format(Locale.ROOT, "Webhooks: %d accepted asked for %d re-probes; the operator sent %d LiveKit"
              + " requests in %d reconciles (%.1f per webhook): each scan lists every room and the participants of"
              + " every occupied room of the LiveKit project, not only this deployment's.",
          r.operator().webhooksAccepted(), r.operator().webhookReprobes(), r.operator().liveKitRequests(),
          r.operator().reconciles(), (double) r.operator().liveKitRequests() / r.operator().webhooksAccepted()));
    }
    if (r.operator().liveKitRequests() > 0) {
      notes.add(liveKitPerPoll(r.operator(), r.pollSeconds()));
    }
    if (r.callsCut() > 0) {
      notes.add("FAILED: " + r.callsCut() + " call(s) cut.");
    }
    if (!r.completed()) {
      notes.add("FAILED: the rollout did not reach Healthy at the new version within the timeout: only "
          + r.rollout().duration().count() + " of " + r.deployments() + " deployments did, and the per-deployment"
          + " figures are theirs; idle writes were not measured.");
    }
    return notes;
  }

  private static void writes(BenchResult r, List<String> notes) {
    for (WriteBudget.Row w : r.writes()) {
      if (w.aboveMinimum() == 0) {
        continue;
      }
      if (w.kind().equals("patch agentdeployments/status")) {
        StringBuilder why = new StringBuilder();
        r.statusWritesByCause().forEach((cause, n) -> why.append(why.length() == 0 ? "" : "; ").append(n).append(" for ")
            .append(STATUS_CAUSES.getOrDefault(cause, cause)));
        notes.add(String.format(Locale.ROOT, "Status: %d writes, %d above the minimum (%.1f per deployment). By cause,"
                + " as the bench's watch saw each status change: %s.", w.count(), w.aboveMinimum(),
            (double) w.count() / r.deployments(), why));
      } else if (w.aboveMinimum() > 0) {
        notes.add(w.kind() + ": " + w.aboveMinimum() + " above the minimum of " + w.minimum() + " (" + w.minimumIs()
            + "); the bench cannot tell why: look at this.");
      } else {
        notes.add(w.kind() + ": " + (-w.aboveMinimum()) + " fewer than the minimum of " + w.minimum() + " ("
            + w.minimumIs() + "): some did not happen within the rollout window.");
      }
    }
  }

  private static void drainGoal(BenchResult r, List<String> notes) {
    BenchResult.Stats s = r.drainReaction();
    if (s.count() == 0) {
      notes.add("Drain reaction: no pod held a call when its drain began, nothing to measure.");
      return;
    }
    String what = "Drain reaction (" + r.source() + " source)";
    String goal = switch (r.source()) {
      case "http", "livekit_polled" -> goal(what, s.p99(), r.pollSeconds() + 1.0, "pollSeconds + 1 s");
      case "annotation" -> goal(what, s.p99(), 1.0, "1 s");
      default -> String.format(Locale.ROOT, "%s with webhooks: p50 %.2f s, p99 %.2f s against a poll of %d s: webhooks"
          + " %s the wait below the poll interval.", what, s.p50(), s.p99(), r.pollSeconds(),
          s.p50() < r.pollSeconds() ? "shorten" : "do NOT shorten");
    };
    BenchResult.Stats after = r.drainReactionAfterSettle();
    if (after.count() < s.count()) {
      goal += String.format(Locale.ROOT, " %d of the %d pods had their last call end within the settle time (%d s)"
              + " after their drain mark and waited for it by design; over the other %d: %s.", s.count() - after.count(),
          s.count(), BenchResult.settle(r.pollSeconds()).toSeconds(), after.count(),
          after.count() == 0 ? "none" : String.format(Locale.ROOT, "p50 %.2f s, p99 %.2f s", after.p50(), after.p99()));
    }
    if (r.annotationReaction().count() > 0) {
      goal += String.format(Locale.ROOT, " From the simulated worker's last in-flight annotation write reaching the API"
          + " server to the DELETE: p50 %.2f s, p99 %.2f s.", r.annotationReaction().p50(), r.annotationReaction().p99());
    }
    notes.add(goal);
  }

  private static void overheadGoal(BenchResult r, List<String> notes) {
    BenchResult.Phases p = r.rollout();
    if (p.overhead().count() == 0) {
      return;
    }
    String goal = goal("Overhead on rollout time", p.overhead().p99(), 2.0, "2 s, set for N=100");
    String largest = p.stretches().entrySet().stream()
        .filter(e -> e.getValue().count() > 0)
        .max(java.util.Comparator.comparing(e -> e.getValue().p50()))
        .map(e -> e.getKey() + " (p50 " + String.format(Locale.ROOT, "%.2f", e.getValue().p50()) + " s)").orElse("-");
    notes.add(String.format(Locale.ROOT, "%s Of it, the operator's own reactions (first status write, promotion, Healthy"
            + " write) take p50 %.2f s, p99 %.2f s; the longest stretch is %s. The API server took %.1f requests/s on"
            + " average (%d in the busiest second), %.0f%% of them the operator's.", goal, p.operatorReaction().p50(),
        p.operatorReaction().p99(), largest, r.api().meanPerSecond(), r.api().peakPerSecond(),
        100.0 * r.api().operatorRequests() / Math.max(1, r.api().requests())));
  }

  private static String goal(String what, double p99, double limit, String limitText) {
    return String.format(Locale.ROOT, "%s: p99 %.2f s, goal <= %s: %s.", what, p99, limitText,
        p99 <= limit ? "met" : "NOT met");
  }

  /** LiveKit requests sent over the poll periods the counting window lasted, and per probe round. */
  static String liveKitPerPoll(OperatorCounters o, int pollSeconds) {
    double polls = o.polls(pollSeconds);
    long rounds = Math.max(1, o.probeRounds());
    return String.format(Locale.ROOT, "LiveKit requests per poll: ListRooms %.1f, ListParticipants %.1f (sent over"
            + " the %.1f s counted = %.2f polls of %d s); per probe round: ListRooms %.2f, ListParticipants %.1f"
            + " (%d rounds, webhook re-probes included).", o.listRooms() / polls, o.listParticipants() / polls,
        o.nanos() / 1e9, polls, pollSeconds, (double) o.listRooms() / rounds, (double) o.listParticipants() / rounds,
        o.probeRounds());
  }
}
