package tech.openrtc.operator.membership;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;

/** Writes ConfigMap {@code <name>-membership} when the membership it shows has changed. */
public class MembershipPublisher {

  private final KubernetesClient client;

  public MembershipPublisher(KubernetesClient client) {
    this.client = client;
  }

  /** Returns true when a write was made. */
  public boolean publish(AgentDeployment d, Membership membership, ConfigMap current) {
    Map<String, String> data = membership.toConfigMapData();
    String ns = d.getMetadata().getNamespace();
    if (current != null) {
      if (Objects.equals(current.getData(), data)) {
        return false;
      }
      client.configMaps().inNamespace(ns).resource(current)
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("data", data)));
      return true;
    }
    ConfigMap cm = new ConfigMapBuilder()
        .withNewMetadata()
          .withName(Membership.configMapName(d.getMetadata().getName()))
          .withNamespace(ns)
          .addToLabels(Names.LABEL_DEPLOYMENT, d.getMetadata().getName())
          .withOwnerReferences(d.controllerReference())
        .endMetadata()
        .withData(data)
        .build();
    try {
      client.configMaps().inNamespace(ns).resource(cm).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    return true;
  }
}
