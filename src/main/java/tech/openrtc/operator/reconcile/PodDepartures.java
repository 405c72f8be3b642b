package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodState;

/**
 * Pods the pod informer saw go, with their last state and when they went: the one moment that tells
 * whether a pod's worker ended its calls and exited before its grace period ran out, or was killed
 * (or removed at once) with calls. Filled from the informer's thread, taken by the next pass.
 */
final class PodDepartures {

  /** Departures no pass took (a deployment gone too) are dropped after this long. */
  static final Duration KEEP = Duration.ofMinutes(10);

  /** One pod gone: its last state as the informer had it, and when the informer saw it go. */
  record Departure(String namespace, String deployment, PodState pod, Instant goneAt) {}

  private final Map<String, List<Departure>> byDeployment = new ConcurrentHashMap<>();
  private final Clock clock;

  PodDepartures(Clock clock) {
    this.clock = clock;
  }

  void gone(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String deployment = labels == null ? null : labels.get(Names.LABEL_DEPLOYMENT);
    if (deployment == null) {
      return;
    }
    Departure d = new Departure(pod.getMetadata().getNamespace(), deployment, PodState.of(pod), clock.instant());
    byDeployment.computeIfAbsent(key(d.namespace(), deployment), k -> new ArrayList<>()).add(d);
  }

  /** The departures of one deployment since the last call; older ones of any deployment are dropped. */
  List<Departure> take(String namespace, String deployment, Instant now) {
    List<Departure> taken = byDeployment.remove(key(namespace, deployment));
    byDeployment.values().removeIf(l -> l.isEmpty() || l.get(l.size() - 1).goneAt().plus(KEEP).isBefore(now));
    return taken == null ? List.of() : List.copyOf(taken);
  }

  private static String key(String namespace, String deployment) {
    return namespace + "/" + deployment;
  }
}
