package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tech.openrtc.operator.api.Names;

/**
 * Invariant 2, sampled: while the new version has fewer than {@code replicas} ready pods, the old
 * active version keeps at least as many ready, undrained pods as it had when the rollout started.
 */
final class CapacitySampler implements AutoCloseable {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<String> violations = new ArrayList<>();
  private int samples;

  CapacitySampler(KubernetesClient client, String ns, String deployment, String oldVersion, List<String> newVersions,
      int replicas) {
    timer.scheduleAtFixedRate(() -> {
      List<Pod> pods = client.pods().inNamespace(ns).withLabel(Names.LABEL_DEPLOYMENT, deployment).list().getItems();
      long oldReady = pods.stream().filter(p -> serving(p) && oldVersion.equals(OperatorTestSupport.version(p))).count();
      long newReady = pods.stream()
          .filter(p -> serving(p) && newVersions.contains(OperatorTestSupport.version(p)))
          .map(OperatorTestSupport::version).distinct()
          .mapToLong(v -> pods.stream().filter(p -> serving(p) && v.equals(OperatorTestSupport.version(p))).count())
          .max().orElse(0);
      synchronized (this) {
        samples++;
        if (oldReady < replicas && newReady < replicas) {
          violations.add("old ready " + oldReady + ", new ready " + newReady);
        }
      }
    }, 0, 50, TimeUnit.MILLISECONDS);
  }

  private static boolean serving(Pod p) {
    boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return ready && !OperatorTestSupport.draining(p) && p.getMetadata().getDeletionTimestamp() == null;
  }

  synchronized void assertCapacityKept() {
    assertThat(samples).as("capacity samples taken").isGreaterThan(10);
    assertThat(violations).as("moments with fewer than replicas ready serving pods").isEmpty();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
