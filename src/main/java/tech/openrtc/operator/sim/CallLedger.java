package tech.openrtc.operator.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every call placed in the simulated cluster and how it ended. This is the ground truth tests
 * compare the operator against: a call is CUT only when the process holding it died while it was
 * live. Thread-safe (one lock; calls are rare events next to the work they stand for).
 */
public final class CallLedger {

  private final Map<Long, CallRecord> records = new LinkedHashMap<>();
  private final Map<String, Integer> liveByPod = new HashMap<>();
  private final Map<String, Instant> lastEndByPod = new HashMap<>();
  private long nextId = 1;
  private long started;
  private long completed;
  private long cut;
  private long rejected;
  private final List<Rejection> rejections = new ArrayList<>();
  private final List<Consumer<CallRecord>> endListeners =
      new CopyOnWriteArrayList<>();

  /** Told of every call as it ends (outside the ledger's lock), e.g. to send a webhook. */
  public void onEnd(Consumer<CallRecord> listener) {
    endListeners.add(listener);
  }

  /** A new call (not yet started) for the given worker; the worker starts it if it accepts it. */
  synchronized Call newCall(String namespace, String deployment, String pod, String version, Duration planned) {
    return new Call(nextId++, namespace, deployment, pod, version, Instant.now(), planned);
  }

  synchronized void begin(Call call) {
    records.put(call.id(), new CallRecord(call, null, null));
    liveByPod.merge(key(call.namespace(), call.pod()), 1, Integer::sum);
    started++;
  }

  /** Ends a live call; does nothing if it already ended (the first end wins). */
  boolean end(Call call, CallRecord.Outcome outcome) {
    CallRecord ended = endLocked(call, outcome);
    if (ended == null) {
      return false;
    }
    endListeners.forEach(l -> l.accept(ended));
    return true;
  }

  private synchronized CallRecord endLocked(Call call, CallRecord.Outcome outcome) {
    CallRecord current = records.get(call.id());
    if (current == null || !current.live()) {
      return null;
    }
    Instant now = Instant.now();
    CallRecord ended = new CallRecord(call, outcome, now);
    records.put(call.id(), ended);
    String key = key(call.namespace(), call.pod());
    liveByPod.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    lastEndByPod.put(key, now);
    if (outcome == CallRecord.Outcome.CUT) {
      cut++;
    } else {
      completed++;
    }
    return ended;
  }

  /** A call that found no accepting worker: when, and for which deployment. */
  public record Rejection(Instant at, String namespace, String deployment) {}

  /** A call that found no accepting worker. */
  synchronized void reject(String namespace, String deployment) {
    rejected++;
    rejections.add(new Rejection(Instant.now(), namespace, deployment));
  }

  /** Every call that found no accepting worker, in order. */
  public synchronized List<Rejection> rejections() {
    return new ArrayList<>(rejections);
  }

  public synchronized long started() {
    return started;
  }

  public synchronized long completed() {
    return completed;
  }

  public synchronized long cut() {
    return cut;
  }

  public synchronized long live() {
    return started - completed - cut;
  }

  public synchronized long rejected() {
    return rejected;
  }

  public synchronized long liveOnPod(String namespace, String pod) {
    return liveByPod.getOrDefault(key(namespace, pod), 0);
  }

  /** When the last call on that pod ended (completed or cut), if any did. */
  public synchronized Optional<Instant> lastCallEndOnPod(String namespace, String pod) {
    return Optional.ofNullable(lastEndByPod.get(key(namespace, pod)));
  }

  /** All calls in the order they started. */
  public synchronized List<CallRecord> records() {
    return new ArrayList<>(records.values());
  }

  private static String key(String namespace, String pod) {
    return namespace + "/" + pod;
  }
}
