package tech.openrtc.operator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Phase;

/**
 * Watches every AgentDeployment of a namespace through an informer (a watch, not list polling):
 * when each one first reports Healthy at the awaited version, and, while counting, the cause of
 * each status change (to explain the status writes: only the operator writes status).
 */
final class RolloutWatch implements AutoCloseable {

  private final SharedIndexInformer<AgentDeployment> informer;
  private final Map<String, Instant> healthyAt = new ConcurrentHashMap<>();
  private final Map<String, Long> causes = new TreeMap<>();
  private volatile String awaited;
  private boolean counting;

  RolloutWatch(KubernetesClient client, String namespace) {
    informer = client.resources(AgentDeployment.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(AgentDeployment d) {
        seen(d);
      }

      @Override
      public void onUpdate(AgentDeployment before, AgentDeployment after) {
        countChanges(before.getStatus(), after.getStatus());
        seen(after);
      }

      @Override
      public void onDelete(AgentDeployment d, boolean unknownFinalState) {}
    }, 0);
  }

  /** From now on, waits for Healthy at this version (what was seen before is forgotten). */
  void await(String version) {
    awaited = version;
    healthyAt.clear();
    informer.getStore().list().forEach(this::seen);
  }

  private void seen(AgentDeployment d) {
    AgentDeploymentStatus s = d.getStatus();
    String v = awaited;
    if (v != null && s != null && s.getPhase() == Phase.Healthy && v.equals(s.getActiveVersion())
        && v.equals(s.getTargetVersion()) && Objects.equals(d.getMetadata().getGeneration(), s.getObservedGeneration())) {
      healthyAt.putIfAbsent(d.getMetadata().getName(), Instant.now());
    }
  }

  /** Waits until {@code count} deployments are Healthy at the awaited version; false on timeout. */
  boolean awaitAll(int count, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (healthyAt.size() < count) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** When each deployment was first seen Healthy at the awaited version. */
  Map<String, Instant> healthyAt() {
    return Map.copyOf(healthyAt);
  }

  synchronized void counting(boolean on) {
    counting = on;
  }

  private synchronized void countChanges(AgentDeploymentStatus before, AgentDeploymentStatus after) {
    String cause = counting ? StatusChange.cause(before, after) : null;
    if (cause != null) {
      causes.merge(cause, 1L, Long::sum);
    }
  }

  /** Status changes seen while counting, by cause (see StatusChange). */
  synchronized Map<String, Long> statusChanges() {
    return new TreeMap<>(causes);
  }

  @Override
  public void close() {
    informer.stop();
  }
}
