package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.pods.PodState;

/**
 * Pods the cache has shown terminating for over {@link #OVERDUE} are looked up on the API server;
 * those it no longer has are gone.
 *
 * <p>An informer learns of a deletion from its watch. A real API server replays missed events on a
 * re-watch, or answers 410 Gone and the informer lists again; an API server or proxy that does
 * neither (seen with the mock API server under load) leaves the deleted pod in the cache for good,
 * and its deployment would wait for it forever. A drained worker exits within seconds of its
 * delete, but its grace period (at least the drain timeout) says nothing about when: so the test is
 * the time since the delete, not the kill time. The lookup is a GET per such pod at most every
 * {@link #RECHECK}: a pod really terminating that long (calls still running, its node gone) costs
 * one GET per {@link #RECHECK}, nothing else. A pod the operator's own patch found gone (404) is
 * left out at once ({@link #foundGone}).
 */
final class StaleTerminatingPods {

  private static final Logger LOG = LoggerFactory.getLogger(StaleTerminatingPods.class);

  /** Terminating this long, a pod is looked up. */
  static final Duration OVERDUE = Duration.ofSeconds(30);
  static final Duration RECHECK = Duration.ofSeconds(30);

  private final Map<String, Instant> lastChecked = new HashMap<>();
  private final Set<String> gone = new java.util.HashSet<>();

  /**
   * The pods with those the API server no longer has left out. {@code exists} answers whether the
   * API server has the pod (namespace, name); it is asked only about overdue pods.
   */
  List<PodState> withoutGone(String namespace, List<PodState> pods, Instant now,
      BiPredicate<String, String> exists) {
    Set<String> names = pods.stream().map(PodState::name).collect(Collectors.toSet());
    lastChecked.keySet().retainAll(names);
    gone.retainAll(names);
    for (PodState p : pods) {
      if (!overdue(p, now) || gone.contains(p.name())) {
        continue;
      }
      Instant last = lastChecked.get(p.name());
      if (last != null && last.plus(RECHECK).isAfter(now)) {
        continue;
      }
      lastChecked.put(p.name(), now);
      if (!exists.test(namespace, p.name())) {
        LOG.warn("pod {}/{} is still in the cache {} s after its delete, but the API server has no such pod:"
            + " the watch missed its deletion; treating it as gone", namespace, p.name(),
            Duration.between(p.deletedAt(), now).toSeconds());
        gone.add(p.name());
      }
    }
    return gone.isEmpty() ? pods : pods.stream().filter(p -> !gone.contains(p.name())).toList();
  }

  /**
   * A write to {@code pod} was answered 404: the API server no longer has it, though the cache does
   * (a deletion the watch missed). It is left out from now on, as a pod found gone by a lookup.
   */
  void foundGone(String pod) {
    gone.add(pod);
  }

  static boolean overdue(PodState p, Instant now) {
    return p.terminating() && p.deletedAt() != null && p.deletedAt().plus(OVERDUE).isBefore(now);
  }
}
