package tech.openrtc.operator.history;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

/**
 * Each revision is kept as an apps/v1 ControllerRevision owned by its AgentDeployment: the record
 * that lets the operator recreate pods of a revision that is no longer in the spec.
 */
public final class RevisionHistory {

  public static final String ANNOTATION_REVISION_NUMBER = Names.PREFIX + "revision-number";

  private RevisionHistory() {}

  public static String name(String deployment, String revision) {
    return deployment + "-" + revision;
  }

  public static ControllerRevision build(AgentDeployment owner, RevisionTemplate rt, long number) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("version", rt.version());
    if (rt.agentName() != null) {
      data.put("agentName", rt.agentName());
    }
    data.put("template", Serialization.jsonMapper().convertValue(rt.template(), Map.class));
    ControllerRevision cr = new ControllerRevision();
    cr.setApiVersion("apps/v1");
    cr.setKind("ControllerRevision");
    cr.setMetadata(new ObjectMetaBuilder()
        .withName(name(owner.getMetadata().getName(), rt.revision()))
        .withNamespace(owner.getMetadata().getNamespace())
        .addToLabels(Names.LABEL_DEPLOYMENT, owner.getMetadata().getName())
        .addToLabels(Names.LABEL_REVISION, rt.revision())
        .addToAnnotations(ANNOTATION_REVISION_NUMBER, Long.toString(number))
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion(AgentDeployment.API_VERSION)
            .withKind(AgentDeployment.KIND)
            .withName(owner.getMetadata().getName())
            .withUid(owner.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build())
        .build());
    cr.setData(data);
    cr.setRevision(number);
    return cr;
  }

  /** The revision's template as stored, or empty when the record is unreadable. */
  public static Optional<RevisionTemplate> read(ControllerRevision cr) {
    if (cr == null || !(cr.getData() instanceof Map<?, ?> data)) {
      return Optional.empty();
    }
    Object version = data.get("version");
    Object template = data.get("template");
    if (version == null || template == null) {
      return Optional.empty();
    }
    Object agentName = data.get("agentName");
    return Optional.of(new RevisionTemplate(
        cr.getMetadata().getLabels().get(Names.LABEL_REVISION),
        version.toString(),
        agentName == null ? null : agentName.toString(),
        Serialization.jsonMapper().convertValue(template, PodTemplateSpec.class)));
  }

  public static Optional<ControllerRevision> find(Collection<ControllerRevision> revisions, String revision) {
    return revisions.stream()
        .filter(cr -> cr.getMetadata().getLabels() != null
            && revision.equals(cr.getMetadata().getLabels().get(Names.LABEL_REVISION)))
        .findFirst();
  }

  public static long nextNumber(Collection<ControllerRevision> revisions) {
    return revisions.stream().mapToLong(cr -> cr.getRevision() == null ? 0 : cr.getRevision()).max().orElse(0) + 1;
  }
}
