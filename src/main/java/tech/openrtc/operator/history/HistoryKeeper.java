package tech.openrtc.operator.history;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

/** The writes behind rollout history: record a revision, prune old ones, roll the spec back. */
public class HistoryKeeper {

  private final KubernetesClient client;

  public HistoryKeeper(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Makes {@code rt} the newest record of {@code d}'s history. Returns the number it had before
   * when it already existed with a lower one: the spec went back to an old revision.
   */
  public OptionalLong record(AgentDeployment d, RevisionTemplate rt, Collection<ControllerRevision> revisions) {
    long max = RevisionHistory.maxNumber(revisions);
    var existing = RevisionHistory.find(revisions, rt.revision());
    String ns = d.getMetadata().getNamespace();
    if (existing.isEmpty()) {
      try {
        client.apps().controllerRevisions().inNamespace(ns).resource(RevisionHistory.build(d, rt, max + 1)).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
      return OptionalLong.empty();
    }
    ControllerRevision cr = existing.get();
    long before = RevisionHistory.number(cr);
    if (before == max) {
      return OptionalLong.empty();
    }
    Map<String, String> annotations = new HashMap<>();
    annotations.put(RevisionHistory.ANNOTATION_REVISION_NUMBER, Long.toString(max + 1));
    RevisionHistory.changeCause(d).ifPresent(c -> annotations.put(Names.ANNOTATION_CHANGE_CAUSE, c));
    Map<String, Object> patch = Map.of("revision", max + 1, "metadata", Map.of("annotations", annotations));
    client.apps().controllerRevisions().inNamespace(ns).resource(cr)
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
    return OptionalLong.of(before);
  }

  /** Deletes one record (pruned past revisionHistoryLimit). */
  public void delete(AgentDeployment d, ControllerRevision cr) {
    client.apps().controllerRevisions().inNamespace(d.getMetadata().getNamespace()).resource(cr).delete();
  }

  /**
   * Writes revision {@code cr}'s version, template and agentName back into the spec, in one
   * JSON patch that also drops the given command annotations. An ordinary rollout follows.
   *
   * <p>The patch applies only to the resourceVersion {@code d} was read at: it sets that
   * resourceVersion, which the API server takes as a precondition (optimistic concurrency, as for
   * an update). A rollback decided from a stale cache must not overwrite a newer edit: a newer
   * resource makes it fail with 409 Conflict, and the caller decides again from the newer one.
   */
  public AgentDeployment rollback(AgentDeployment d, ControllerRevision cr, String... removeAnnotations) {
    RevisionTemplate rt = RevisionHistory.read(cr)
        .orElseThrow(() -> new IllegalStateException("revision record " + cr.getMetadata().getName() + " is unreadable"));
    List<Map<String, Object>> ops = new ArrayList<>();
    ops.add(op("replace", "/metadata/resourceVersion", d.getMetadata().getResourceVersion()));
    ops.add(op("replace", "/spec/version", rt.version()));
    ops.add(op("add", "/spec/template", rt.template()));
    if (rt.agentName() != null) {
      ops.add(op("add", "/spec/agentName", rt.agentName()));
    } else if (d.getSpec() != null && d.getSpec().getAgentName() != null) {
      ops.add(Map.of("op", "remove", "path", "/spec/agentName"));
    }
    Map<String, String> current = d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
    ops.addAll(removeOps(current, removeAnnotations));
    // The history then shows why the spec is what it is, as `kubectl rollout undo` does.
    String cause = cr.getMetadata().getAnnotations() == null ? null
        : cr.getMetadata().getAnnotations().get(Names.ANNOTATION_CHANGE_CAUSE);
    if (cause != null && current.isEmpty()) {
      ops.add(op("add", "/metadata/annotations", Map.of(Names.ANNOTATION_CHANGE_CAUSE, cause)));
    } else if (cause != null) {
      ops.add(op("add", annotationPath(Names.ANNOTATION_CHANGE_CAUSE), cause));
    } else if (current.containsKey(Names.ANNOTATION_CHANGE_CAUSE)) {
      ops.add(Map.of("op", "remove", "path", annotationPath(Names.ANNOTATION_CHANGE_CAUSE)));
    }
    return client.resources(AgentDeployment.class).inNamespace(d.getMetadata().getNamespace()).resource(d)
        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
  }

  /** Removes command annotations from the AgentDeployment: one JSON patch, only the keys present. */
  public void clearAnnotations(AgentDeployment d, String... keys) {
    Map<String, String> current = d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
    List<Map<String, Object>> ops = removeOps(current, keys);
    if (ops.isEmpty()) {
      return;
    }
    try {
      client.resources(AgentDeployment.class).inNamespace(d.getMetadata().getNamespace()).resource(d)
          .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422) {
        throw e;
      }
      // Already removed: this view of the resource was older than the server's.
    }
    Map<String, String> left = new HashMap<>(current);
    for (String key : keys) {
      left.remove(key);
    }
    d.getMetadata().setAnnotations(left);
  }

  /** JSON patch "remove" ops for those of {@code keys} present in {@code current}. */
  private static List<Map<String, Object>> removeOps(Map<String, String> current, String... keys) {
    List<Map<String, Object>> ops = new ArrayList<>();
    for (String key : keys) {
      if (current.containsKey(key)) {
        ops.add(Map.of("op", "remove", "path", annotationPath(key)));
      }
    }
    return ops;
  }

  /** A JSON pointer to an annotation: '~' and '/' in the key are escaped (RFC 6901). */
  static String annotationPath(String key) {
    return "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1");
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> m = new HashMap<>();
    m.put("op", op);
    m.put("path", path);
    m.put("value", value);
    return m;
  }
}
