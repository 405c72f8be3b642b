package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Controllers;
import tech.openrtc.operator.api.Names;

/**
 * Objects labelled as a deployment's but controlled by an earlier AgentDeployment of the same name,
 * deleted and created again. That owner is gone (a name is unique in its namespace, the uid tells
 * the incarnations apart), and the garbage collector deletes what it owned in its own time. Until
 * then they must not count as the new deployment's: its predecessor's PodDisruptionBudget, with a
 * minAvailable from another time, would let the eviction API take a busy worker. The operator
 * deletes them itself, before anything else in the pass. Pods are not among them: a pod of a
 * predecessor is drained as any pod outside the membership. Pure: no client.
 */
final class Predecessors {

  private Predecessors() {}

  /** True when {@code o}'s controller is an AgentDeployment named as {@code d} with another uid. */
  static boolean leftBehind(HasMetadata o, AgentDeployment d) {
    return Controllers.of(o).filter(r -> AgentDeployment.KIND.equals(r.getKind())
        && r.getApiVersion() != null && r.getApiVersion().startsWith(Names.GROUP + "/")
        && d.getMetadata().getName().equals(r.getName())
        && r.getUid() != null && !r.getUid().equals(d.getMetadata().getUid())).isPresent();
  }

  /** Those of {@code all} that are not left behind by a predecessor; the others are added to {@code leftovers}. */
  static <T extends HasMetadata> List<T> current(Collection<T> all, AgentDeployment d, List<HasMetadata> leftovers) {
    List<T> current = new ArrayList<>(all.size());
    for (T o : all) {
      if (leftBehind(o, d)) {
        leftovers.add(o);
      } else {
        current.add(o);
      }
    }
    return current;
  }
}
