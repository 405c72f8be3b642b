package tech.openrtc.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;
import tech.openrtc.operator.api.AgentDeployment;

/**
 * An update of an AgentDeployment starts a pass unless only its status changed. The operator is
 * the only writer of status, so such an update is its own write coming back: another probe round
 * for it would double the work of every status change. Spec, labels, annotations (commands),
 * finalizers and deletion all start one.
 */
public class NotStatusOnly implements OnUpdateFilter<AgentDeployment> {

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  @Override
  public boolean accept(AgentDeployment updated, AgentDeployment old) {
    ObjectMeta a = updated.getMetadata();
    ObjectMeta b = old.getMetadata();
    return !Objects.equals(a.getGeneration(), b.getGeneration())
        || !Objects.equals(a.getAnnotations(), b.getAnnotations())
        || !Objects.equals(a.getLabels(), b.getLabels())
        || !Objects.equals(a.getFinalizers(), b.getFinalizers())
        || !Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        // A server that does not count generations (or a spec change it did not count) still shows it here.
        || !JSON.valueToTree(updated.getSpec()).equals(JSON.valueToTree(old.getSpec()));
  }
}
