package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.pods.PodState;

/** What one reconcile will do, decided without touching the cluster. */
public final class Plan {

  public enum DeleteReason {
    /** Read 0 calls in flight after the drain started. */
    DRAINED,
    /** The worker process has ended or never started. */
    EXITED,
    /** The drain deadline passed; onTimeout Terminate. */
    DEADLINE,
    /** trigger Signal: SIGTERM is the drain, with a grace period of timeoutSeconds. */
    SIGNAL
  }

  public record Create(String revision, int count) {}

  public record Drain(PodState pod, String reason) {}

  public record Delete(PodState pod, Long gracePeriodSeconds, DeleteReason reason, int callsCut, InFlight reading) {}

  String activeRevision;
  boolean promoted;
  boolean awaitingPromotion;
  boolean progressDeadlineExceeded;
  Instant rolloutStartedAt;
  final List<Create> creates = new ArrayList<>();
  final List<Drain> drains = new ArrayList<>();
  final List<Delete> deletes = new ArrayList<>();
  final List<PodState> stalled = new ArrayList<>();
  final List<PodState> promotes = new ArrayList<>();
  final List<PodState> handingOver = new ArrayList<>();
  final List<PodState> evacuating = new ArrayList<>();
  final java.util.SortedMap<String, String> evacuatingNodes = new java.util.TreeMap<>();
  Phase phase;
  String message;
  Duration requeueAfter;

  public String activeRevision() { return activeRevision; }
  public boolean promoted() { return promoted; }
  public boolean awaitingPromotion() { return awaitingPromotion; }
  public boolean progressDeadlineExceeded() { return progressDeadlineExceeded; }
  public Instant rolloutStartedAt() { return rolloutStartedAt; }
  public List<Create> creates() { return creates; }
  public List<Drain> drains() { return drains; }
  public List<Delete> deletes() { return deletes; }
  /** Draining pods past their deadline with calls, kept because onTimeout is Wait. */
  public List<PodState> stalled() { return stalled; }
  /** Pods of the active revision to label {@code role=active}, before any old pod is marked. */
  public List<PodState> promotes() { return promotes; }
  /** Pods of an older revision that keep serving until the active ones have seen their role. */
  public List<PodState> handingOver() { return handingOver; }
  /** Active pods on a node being taken away, serving until their replacement is ready. */
  public List<PodState> evacuating() { return evacuating; }
  /** Nodes being taken away that hold pods of this deployment, with why (cordoned, a taint). */
  public java.util.SortedMap<String, String> evacuatingNodes() { return evacuatingNodes; }
  public Phase phase() { return phase; }
  public String message() { return message; }
  /** When to look again even if nothing changes; null for never. */
  public Duration requeueAfter() { return requeueAfter; }

  /** The pods this plan marks for drain. */
  public Set<PodState> drainedNow() {
    Set<PodState> pods = new LinkedHashSet<>();
    drains.forEach(d -> pods.add(d.pod()));
    return pods;
  }

  /**
   * Every pod draining once this plan is carried out: those already draining or terminating, and
   * those it marks now (the one definition the status, the phase, membership and webhooks use).
   */
  public Set<PodState> drainingAfter(Observation observed) {
    Set<PodState> draining = new LinkedHashSet<>(observed.drainingPods());
    draining.addAll(observed.terminatingPods());
    draining.addAll(drainedNow());
    return draining;
  }

  void requeueWithin(Duration d) {
    Duration atLeast = d.isNegative() || d.isZero() ? Duration.ofMillis(200) : d;
    if (requeueAfter == null || atLeast.compareTo(requeueAfter) < 0) {
      requeueAfter = atLeast;
    }
  }

  public boolean touchesPods() {
    return !creates.isEmpty() || !drains.isEmpty() || !deletes.isEmpty() || !promotes.isEmpty();
  }
}
