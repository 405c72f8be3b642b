package tech.openrtc.operator.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Every request the mock API server received, so tests can attribute API traffic to a client (by
 * User-Agent) and catch deletions of busy pods. Thread-safe.
 */
public final class RequestLog {

  private final List<RecordedCall> calls = new ArrayList<>();
  private final List<PodDeletion> deletions = new ArrayList<>();
  private final List<PodEviction> evictions = new ArrayList<>();
  /** Grace period of the first DELETE of each pod, by pod uid; read by the kubelet. */
  private final Map<String, Long> graceByUid = new ConcurrentHashMap<>();
  /** Wall time spent serving requests (store, watch fan-out, waiting for the store's lock). */
  private final LongAdder servingNanos = new LongAdder();

  synchronized void add(RecordedCall call) {
    calls.add(call);
  }

  synchronized void addDeletion(PodDeletion deletion, String uid) {
    deletions.add(deletion);
    if (!deletion.repeat() && uid != null && deletion.gracePeriodSeconds() != null) {
      graceByUid.putIfAbsent(uid, deletion.gracePeriodSeconds());
    }
  }

  synchronized void addEviction(PodEviction eviction) {
    evictions.add(eviction);
  }

  void served(long nanos) {
    servingNanos.add(nanos);
  }

  /**
   * Wall time the API server spent serving requests since it started, summed over requests (those
   * served at once each count): a busy server shows as a large share of the elapsed time.
   */
  public long servingNanos() {
    return servingNanos.sum();
  }

  /** The gracePeriodSeconds of the first DELETE of the pod with this uid, or null. */
  Long gracePeriodFor(String uid) {
    return uid == null ? null : graceByUid.get(uid);
  }

  /** The pod is gone: its grace period is no longer needed. */
  void forget(String uid) {
    if (uid != null) {
      graceByUid.remove(uid);
    }
  }

  public synchronized List<RecordedCall> all() {
    return List.copyOf(calls);
  }

  public synchronized long writes(Predicate<RecordedCall> filter) {
    return calls.stream().filter(RecordedCall::isWrite).filter(filter).count();
  }

  /** Writes (create, update, patch, delete) by clients whose User-Agent starts with the prefix. */
  public long writesBy(String userAgentPrefix) {
    return writes(c -> c.userAgentStartsWith(userAgentPrefix));
  }

  /**
   * Request counts keyed like {@code "create pods"}, {@code "patch agentdeployments/status"},
   * {@code "watch pods"}, for clients whose User-Agent starts with the prefix (null or empty: all).
   */
  public synchronized Map<String, Long> countsByVerbAndResource(String userAgentPrefix) {
    Map<String, Long> counts = new TreeMap<>();
    for (RecordedCall c : calls) {
      if (c.userAgentStartsWith(userAgentPrefix)) {
        counts.merge(c.verbAndResource(), 1L, Long::sum);
      }
    }
    return counts;
  }

  /** Every DELETE of an existing pod, in arrival order; repeats are flagged. */
  public synchronized List<PodDeletion> podDeletions() {
    return List.copyOf(deletions);
  }

  /** Every eviction of an existing pod that was not already terminating, in arrival order. */
  public synchronized List<PodEviction> podEvictions() {
    return List.copyOf(evictions);
  }

  /** How many evictions had this outcome. */
  public synchronized long evictions(PodEviction.Outcome outcome) {
    return evictions.stream().filter(e -> e.outcome() == outcome).count();
  }

  /** Forgets recorded requests, deletions and evictions (not the grace periods the kubelet still needs). */
  public synchronized void reset() {
    calls.clear();
    deletions.clear();
    evictions.clear();
  }
}
