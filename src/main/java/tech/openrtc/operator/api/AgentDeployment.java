package tech.openrtc.operator.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A set of voice-agent workers rolled out blue-green and drained, never migrated. */
@Group(Names.GROUP)
@Version("v1alpha1")
@Plural("agentdeployments")
@ShortNames({"agd", "agentdeploy"})
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.ready")
@AdditionalPrinterColumn(name = "ACTIVE", jsonPath = ".status.activeVersion")
@AdditionalPrinterColumn(name = "TARGET", jsonPath = ".spec.version")
@AdditionalPrinterColumn(name = "DRAINING", jsonPath = ".status.drainingReplicas", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "CALLS", jsonPath = ".status.calls", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(name = "ACTIVE-REVISION", jsonPath = ".status.activeRevision", priority = 1)
@AdditionalPrinterColumn(name = "TARGET-REVISION", jsonPath = ".status.targetRevision", priority = 1)
public class AgentDeployment extends CustomResource<AgentDeploymentSpec, AgentDeploymentStatus>
    implements Namespaced {

  public static final String KIND = "AgentDeployment";
  public static final String API_VERSION = Names.GROUP + "/v1alpha1";

  /** A spec with values of the wrong JSON type is read, not refused: see {@link LenientSpecDeserializer}. */
  @Override
  @JsonDeserialize(using = LenientSpecDeserializer.class)
  public void setSpec(AgentDeploymentSpec spec) {
    super.setSpec(spec);
  }

  /**
   * The controller ownerReference every object the operator makes for this deployment carries
   * (pods, revision records, credentials, membership, budget): garbage collection follows it, and
   * blockOwnerDeletion keeps the owner until they are gone.
   */
  public OwnerReference controllerReference() {
    return new OwnerReferenceBuilder()
        .withApiVersion(API_VERSION)
        .withKind(KIND)
        .withName(getMetadata().getName())
        .withUid(getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** "namespace/name", the audit target and JWT subject. */
  public String key() {
    return getMetadata().getNamespace() + "/" + getMetadata().getName();
  }
}
