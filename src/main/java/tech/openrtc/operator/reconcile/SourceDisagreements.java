package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tech.openrtc.operator.drain.InFlight;

/**
 * Cross-check bookkeeping for one AgentDeployment: since when each pod's worker endpoint and
 * LiveKit have disagreed about it being idle. A disagreement is normal for a moment (a call just
 * ended on one side); one that outlasts two polls is a worker that misreports its calls, and is
 * reported once per episode.
 */
public final class SourceDisagreements {

  /** A disagreement older than the threshold. {@code firstReport} is true once per episode. */
  public record Lasting(String pod, Instant since, String detail, boolean firstReport) {}

  private record Episode(Instant since, String detail, boolean reported) {}

  private final Map<String, Episode> open = new HashMap<>();

  /**
   * Folds in one round of readings. A pod that agrees again closes its episode; a pod not read
   * this round (deleted, or not probed) is forgotten; an unknown reading keeps the episode open.
   */
  public synchronized List<Lasting> observe(Map<String, InFlight> readings, Instant now, Duration threshold) {
    open.keySet().retainAll(readings.keySet());
    List<Lasting> lasting = new ArrayList<>();
    readings.forEach((pod, reading) -> {
      if (reading.known() && reading.disagreement() == null) {
        open.remove(pod);
        return;
      }
      Episode episode = open.get(pod);
      if (reading.disagreement() != null) {
        episode = new Episode(episode == null ? now : episode.since(), reading.disagreement(),
            episode != null && episode.reported());
      }
      if (episode == null) {
        return;
      }
      boolean lasts = Duration.between(episode.since(), now).compareTo(threshold) > 0;
      if (lasts) {
        lasting.add(new Lasting(pod, episode.since(), episode.detail(), !episode.reported()));
        episode = new Episode(episode.since(), episode.detail(), true);
      }
      open.put(pod, episode);
    });
    lasting.sort(Comparator.comparing(Lasting::pod));
    return lasting;
  }
}
