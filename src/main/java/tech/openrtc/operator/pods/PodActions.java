package tech.openrtc.operator.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.Map;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Times;

/** The only writes the operator makes to pods: create, the promote patch, the drain patch, delete. */
public class PodActions {

  private final KubernetesClient client;

  public PodActions(KubernetesClient client) {
    this.client = client;
  }

  public Pod create(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    for (int attempt = 0; ; attempt++) {
      try {
        return client.pods().inNamespace(namespace).resource(pod).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 3) {
          throw e;
        }
        // Name taken (5 random characters collide rarely): draw another.
        String revision = pod.getMetadata().getLabels().get(Names.LABEL_REVISION);
        String deployment = pod.getMetadata().getLabels().get(Names.LABEL_DEPLOYMENT);
        pod.getMetadata().setName(PodFactory.podName(deployment, revision));
      }
    }
  }

  /**
   * One JSON merge patch sets the drain annotations and the draining label. An existing start time
   * and deadline are kept, so restoring a removed mark never extends a drain.
   */
  public Pod markDraining(String namespace, PodState pod, Instant now, int timeoutSeconds) {
    Instant started = pod.drainStartedAt() != null ? pod.drainStartedAt() : now;
    Instant deadline = pod.drainDeadline() != null ? pod.drainDeadline() : started.plusSeconds(timeoutSeconds);
    Map<String, Object> patch = Map.of("metadata", Map.of(
        "labels", Map.of(Names.LABEL_DRAINING, "true", Names.LABEL_ROLE, Names.ROLE_DRAINING),
        "annotations", Map.of(
            Names.ANNOTATION_DRAIN, "true",
            Names.ANNOTATION_DRAIN_STARTED_AT, Times.formatMillis(started),
            Names.ANNOTATION_DRAIN_DEADLINE, Times.formatMillis(deadline))));
    // resource(pod).patch(...) sends the patch alone; withName(..).patch(..) would GET first.
    return client.pods().inNamespace(namespace).resource(reference(namespace, pod.name()))
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
  }

  private static Pod reference(String namespace, String name) {
    return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().build();
  }

  /**
   * Labels the pod {@code role=active} (one JSON merge patch): its worker, reading its podinfo
   * labels, starts taking calls within seconds. The time goes with it, so the old workers are
   * marked only once the new one has had time to see it.
   */
  public Pod promote(String namespace, PodState pod, Instant now) {
    Map<String, Object> patch = Map.of("metadata", Map.of(
        "labels", Map.of(Names.LABEL_ROLE, Names.ROLE_ACTIVE),
        "annotations", Map.of(Names.ANNOTATION_PROMOTED_AT, Times.formatMillis(now))));
    return client.pods().inNamespace(namespace).resource(reference(namespace, pod.name()))
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
  }

  /**
   * Deletes once; gracePeriodSeconds null keeps the pod's own grace period. A pod already gone is
   * fine.
   */
  public void delete(String namespace, PodState pod, Long gracePeriodSeconds) {
    var resource = client.pods().inNamespace(namespace).withName(pod.name());
    if (gracePeriodSeconds != null) {
      resource.withGracePeriod(gracePeriodSeconds).delete();
    } else {
      resource.delete();
    }
  }
}
