package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tech.openrtc.operator.api.Names;

/**
 * Pod writes of one AgentDeployment that the informer cache has not shown yet. Without this a
 * reconcile that runs before the watch event arrives would create a pod twice or, worse, delete
 * one twice (a second SIGTERM makes livekit-agents exit at once).
 */
final class PendingPodOps {

  private static final Duration EXPIRY = Duration.ofMinutes(2);

  private record Entry(Pod pod, Instant at) {}

  private final Map<String, Entry> created = new HashMap<>();
  private final Map<String, Entry> patched = new HashMap<>();
  private final Map<String, Instant> deleted = new HashMap<>();

  synchronized void created(Pod pod, Instant now) {
    created.put(pod.getMetadata().getName(), new Entry(pod, now));
  }

  synchronized void patched(Pod pod, Instant now) {
    patched.put(pod.getMetadata().getName(), new Entry(pod, now));
  }

  synchronized void deleted(String name, Instant now) {
    deleted.put(name, now);
  }

  /** The cached pods corrected by what this operator has written since. */
  synchronized List<Pod> apply(Collection<Pod> cached, Instant now) {
    created.values().removeIf(e -> e.at().plus(EXPIRY).isBefore(now));
    patched.values().removeIf(e -> e.at().plus(EXPIRY).isBefore(now));
    deleted.values().removeIf(at -> at.plus(EXPIRY).isBefore(now));

    Map<String, Pod> byName = new HashMap<>();
    for (Pod pod : cached) {
      byName.put(pod.getMetadata().getName(), pod);
    }
    created.keySet().removeIf(byName::containsKey);
    created.forEach((name, e) -> byName.put(name, e.pod()));

    patched.entrySet().removeIf(e -> {
      Pod seen = byName.get(e.getKey());
      return seen == null || drainMarked(seen);
    });
    patched.forEach((name, e) -> {
      Pod seen = byName.get(name);
      if (seen != null) {
        byName.put(name, withDrainMarks(seen, e.pod()));
      }
    });

    deleted.keySet().removeIf(name -> {
      Pod seen = byName.get(name);
      return seen == null || seen.getMetadata().getDeletionTimestamp() != null;
    });
    deleted.forEach((name, at) -> {
      Pod seen = byName.get(name);
      Pod copy = io.fabric8.kubernetes.client.utils.Serialization.clone(seen);
      copy.getMetadata().setDeletionTimestamp(Times.format(at));
      byName.put(name, copy);
    });
    return new ArrayList<>(byName.values());
  }

  private static boolean drainMarked(Pod pod) {
    var a = pod.getMetadata().getAnnotations();
    return a != null && "true".equals(a.get(Names.ANNOTATION_DRAIN))
        && pod.getMetadata().getLabels() != null
        && "true".equals(pod.getMetadata().getLabels().get(Names.LABEL_DRAINING));
  }

  private static Pod withDrainMarks(Pod seen, Pod patchedCopy) {
    Pod copy = io.fabric8.kubernetes.client.utils.Serialization.clone(seen);
    copy.getMetadata().setLabels(patchedCopy.getMetadata().getLabels());
    copy.getMetadata().setAnnotations(patchedCopy.getMetadata().getAnnotations());
    return copy;
  }
}
