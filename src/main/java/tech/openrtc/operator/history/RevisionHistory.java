package tech.openrtc.operator.history;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

/**
 * Each revision is kept as an apps/v1 ControllerRevision owned by its AgentDeployment, numbered
 * like a Deployment's history: the revision being rolled out always has the highest number, so
 * rolling back to an old revision gives its record a new number. Pure: builds and reads records.
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
    ObjectMetaBuilder meta = new ObjectMetaBuilder()
        .withName(name(owner.getMetadata().getName(), rt.revision()))
        .withNamespace(owner.getMetadata().getNamespace())
        .addToLabels(Names.LABEL_DEPLOYMENT, owner.getMetadata().getName())
        .addToLabels(Names.LABEL_REVISION, rt.revision())
        .addToAnnotations(ANNOTATION_REVISION_NUMBER, Long.toString(number))
        .withOwnerReferences(owner.controllerReference());
    changeCause(owner).ifPresent(cause -> meta.addToAnnotations(Names.ANNOTATION_CHANGE_CAUSE, cause));
    cr.setMetadata(meta.build());
    cr.setData(data);
    cr.setRevision(number);
    return cr;
  }

  public static Optional<String> changeCause(AgentDeployment d) {
    return Optional.ofNullable(d.getMetadata().getAnnotations()).map(a -> a.get(Names.ANNOTATION_CHANGE_CAUSE));
  }

  /** The revision's template as stored, or empty when the record is unreadable. */
  public static Optional<RevisionTemplate> read(ControllerRevision cr) {
    if (cr == null || cr.getData() == null) {
      return Optional.empty();
    }
    // Read back from the API server, data is whatever the model made of the raw JSON object.
    Map<?, ?> data = Serialization.jsonMapper().convertValue(cr.getData(), Map.class);
    Object version = data.get("version");
    Object template = data.get("template");
    if (version == null || template == null) {
      return Optional.empty();
    }
    Object agentName = data.get("agentName");
    return Optional.of(new RevisionTemplate(
        revisionOf(cr),
        version.toString(),
        agentName == null ? null : agentName.toString(),
        Serialization.jsonMapper().convertValue(template, PodTemplateSpec.class)));
  }

  public static String revisionOf(ControllerRevision cr) {
    return cr.getMetadata().getLabels() == null ? null : cr.getMetadata().getLabels().get(Names.LABEL_REVISION);
  }

  public static long number(ControllerRevision cr) {
    return cr.getRevision() == null ? 0 : cr.getRevision();
  }

  public static Optional<ControllerRevision> find(Collection<ControllerRevision> revisions, String revision) {
    return revisions.stream().filter(cr -> revision != null && revision.equals(revisionOf(cr))).findFirst();
  }

  public static Optional<ControllerRevision> byNumber(Collection<ControllerRevision> revisions, long number) {
    return revisions.stream().filter(cr -> number(cr) == number).findFirst();
  }

  public static long maxNumber(Collection<ControllerRevision> revisions) {
    return revisions.stream().mapToLong(RevisionHistory::number).max().orElse(0);
  }

  /** Oldest first, as `rollout history` lists them. */
  public static List<ControllerRevision> ordered(Collection<ControllerRevision> revisions) {
    return revisions.stream().sorted(Comparator.comparingLong(RevisionHistory::number)).collect(Collectors.toList());
  }

  /**
   * The revision `rollout undo` returns to: number {@code to}, or by default the newest one
   * older than the current target's record.
   */
  public static Optional<ControllerRevision> undoTarget(Collection<ControllerRevision> revisions,
      String currentRevision, Long to) {
    if (to != null && to > 0) {
      return byNumber(revisions, to);
    }
    long current = find(revisions, currentRevision).map(RevisionHistory::number).orElse(Long.MAX_VALUE);
    return revisions.stream()
        .filter(cr -> number(cr) < current && !Objects.equals(currentRevision, revisionOf(cr)))
        .max(Comparator.comparingLong(RevisionHistory::number));
  }

  /**
   * Records past {@code limit} that may go: never the active or target revision, nor one that
   * still has pods; the oldest go first.
   */
  public static List<ControllerRevision> prunable(Collection<ControllerRevision> revisions, Set<String> keep, int limit) {
    List<ControllerRevision> old = revisions.stream()
        .filter(cr -> !keep.contains(revisionOf(cr)))
        .sorted(Comparator.comparingLong(RevisionHistory::number).reversed())
        .collect(Collectors.toList());
    return old.size() <= limit ? List.of() : old.subList(limit, old.size());
  }
}
