package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;

/**
 * The garbage collector's background cascading deletion, for dependents of AgentDeployments: some
 * time after an AgentDeployment is gone, every object in its namespace with an ownerReference to it
 * (its uid) is deleted unless another of its owners still exists. The mock API server has no
 * garbage collector of its own.
 *
 * <p>As the real one (kubernetes pkg/controller/garbagecollector, {@code attemptToDeleteItem}): an
 * owner counts as absent when no object of that name has that uid, so an AgentDeployment deleted
 * and created again under the same name does not keep its predecessor's dependents. Owners of
 * kinds the sim does not follow count as present (kept, as the real collector does when it
 * cannot tell). The delay stands for the collector's queue: the docs promise "in the background"
 * (Garbage Collection, "Background cascading deletion"), not when; a test may make it long to
 * model a collector that is behind.
 */
final class SimGarbageCollector implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimGarbageCollector.class);

  static final String USER_AGENT = "openrtc-sim-gc";

  private final SimRuntime rt;
  private final KubernetesClient client;
  private final Duration delay;
  private volatile SharedIndexInformer<AgentDeployment> owners;

  SimGarbageCollector(SimRuntime rt, KubernetesClient client, Duration delay) {
    this.rt = rt;
    this.client = client;
    this.delay = delay;
  }

  void start() {
    owners = client.resources(AgentDeployment.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(AgentDeployment d) {}

      @Override
      public void onUpdate(AgentDeployment before, AgentDeployment d) {}

      @Override
      public void onDelete(AgentDeployment d, boolean finalStateUnknown) {
        later(d.getMetadata().getNamespace(), d.getMetadata().getUid(), delay);
      }
    }, 0);
  }

  private void later(String namespace, String ownerUid, Duration after) {
    if (rt.closing) {
      return;
    }
    try {
      rt.scheduler.schedule(() -> rt.io.execute(() -> collect(namespace, ownerUid)), after.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("closing: dependents of {} left", ownerUid);
    }
  }

  /** Deletes what the owner {@code ownerUid} left in {@code namespace}; on an API error, tries again. */
  private void collect(String namespace, String ownerUid) {
    try {
      for (HasMetadata o : dependentsIn(namespace)) {
        if (ownedBy(o, ownerUid) && o.getMetadata().getOwnerReferences().stream().noneMatch(this::present)) {
          log.debug("garbage-collecting {} {}/{}", o.getKind(), namespace, o.getMetadata().getName());
          client.resource(o).delete();
        }
      }
    } catch (KubernetesClientException e) {
      log.debug("garbage collection in {} failed, trying again: {}", namespace, e.getMessage());
      later(namespace, ownerUid, Duration.ofSeconds(1));
    }
  }

  /** The kinds the operator creates with an owner reference. */
  private List<HasMetadata> dependentsIn(String namespace) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.pods().inNamespace(namespace).list().getItems());
    all.addAll(client.policy().v1().podDisruptionBudget().inNamespace(namespace).list().getItems());
    all.addAll(client.configMaps().inNamespace(namespace).list().getItems());
    all.addAll(client.secrets().inNamespace(namespace).list().getItems());
    all.addAll(client.apps().controllerRevisions().inNamespace(namespace).list().getItems());
    return all;
  }

  private static boolean ownedBy(HasMetadata o, String ownerUid) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> ownerUid.equals(r.getUid()));
  }

  private boolean present(OwnerReference ref) {
    if (!AgentDeployment.KIND.equals(ref.getKind())) {
      return true;
    }
    return owners.getStore().list().stream().anyMatch(d -> ref.getUid().equals(d.getMetadata().getUid()));
  }

  @Override
  public void close() {
    if (owners != null) {
      owners.close();
    }
  }
}
