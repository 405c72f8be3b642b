package tech.openrtc.operator.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import tech.openrtc.operator.api.AgentDeployment;

/**
 * One {@link DeploymentMemory} per AgentDeployment, keyed by uid. A memory goes when its
 * deployment's finalizer is released, or when a sweep finds the deployment gone from the cache
 * (deleted while this operator was not running it) and the memory unused for a minute.
 */
final class DeploymentMemories {

  static final Duration UNUSED = Duration.ofMinutes(1);

  private final Map<String, DeploymentMemory> byUid = new ConcurrentHashMap<>();
  /** What else is kept per deployment outside this class (metric rows, webhook subscriptions). */
  private final BiConsumer<String, String> onForget;
  private volatile Instant lastSweep = Instant.MIN;

  DeploymentMemories(BiConsumer<String, String> onForget) {
    this.onForget = onForget;
  }

  DeploymentMemory of(AgentDeployment d, Instant now) {
    DeploymentMemory m = byUid.computeIfAbsent(d.getMetadata().getUid(),
        uid -> new DeploymentMemory(d.getMetadata().getNamespace(), d.getMetadata().getName()));
    m.lastUsed = now;
    return m;
  }

  void forget(String uid) {
    DeploymentMemory m = byUid.remove(uid);
    if (m != null) {
      onForget.accept(m.namespace, m.name);
    }
  }

  /** At most once a minute: forgets deployments the cache no longer has (listed only then). */
  void sweep(Supplier<Set<String>> cached, Instant now) {
    if (now.isBefore(lastSweep.plus(UNUSED))) {
      return;
    }
    lastSweep = now;
    Set<String> cachedUids = cached.get();
    byUid.forEach((uid, m) -> {
      if (!cachedUids.contains(uid) && m.lastUsed.plus(UNUSED).isBefore(now)) {
        forget(uid);
      }
    });
  }

  /** Calls {@code action} with the namespace and name of every deployment remembered. */
  void each(BiConsumer<String, String> action) {
    byUid.values().forEach(m -> action.accept(m.namespace, m.name));
  }

  int size() {
    return byUid.size();
  }
}
