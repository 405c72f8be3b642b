package tech.openrtc.operator.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fewest writes a rollout of N deployments of R replicas can make, per write kind, and why.
 * Every old pod costs three (its replacement's create, the drain mark, the delete); each
 * deployment costs a constant (status, credential, membership, history, Events).
 */
final class WriteBudget {

  private WriteBudget() {}

  /** One write kind: how many were made, the minimum, and what the minimum is made of. */
  record Row(String kind, long count, long minimum, long aboveMinimum, String minimumIs) {}

  /** Minimum = perDeployment * N + perPod * N * R. */
  private record Minimum(String kind, long perDeployment, long perPod, String why) {}

  private static final List<Minimum> MINIMUM = List.of(
      new Minimum("create pods", 0, 1, "one new pod per old pod"),
      new Minimum("patch pods", 0, 2, "per replaced pod: its successor's promotion to role=active (a preview"
          + " must not take calls before it) and its own drain mark (annotations + labels in one merge patch)"),
      new Minimum("delete pods", 0, 1, "one delete per old pod"),
      new Minimum("patch agentdeployments/status", 3, 0,
          "phase changes: Progressing (new target), Draining (promoted), Healthy"),
      new Minimum("create secrets", 1, 0, "the new revision's credential"),
      new Minimum("delete secrets", 1, 0, "the old revision's credential, once its pods are gone"),
      new Minimum("patch configmaps", 2, 0,
          "membership: at promotion (new active version, old one draining), and when the old one is gone"),
      new Minimum("create controllerrevisions", 1, 0, "the new revision's history record"),
      new Minimum("patch poddisruptionbudgets", 2, 0, "the budget's minAvailable raised before the new revision's"
          + " pods are created (so none of the doubled pods is evictable), and lowered once Healthy"),
      new Minimum("create events", 3, 2,
          "by design every step is an Event: started, promoted, completed per deployment; drain_started and"
              + " pod_drained per pod"));

  static List<Row> rows(Map<String, Long> writes, int deployments, int replicas) {
    List<Row> rows = new ArrayList<>();
    for (Minimum m : MINIMUM) {
      long min = m.perDeployment() * deployments + m.perPod() * (long) deployments * replicas;
      long count = writes.getOrDefault(m.kind(), 0L);
      rows.add(new Row(m.kind(), count, min, count - min, m.why()));
    }
    writes.forEach((kind, count) -> {
      if (MINIMUM.stream().noneMatch(m -> m.kind().equals(kind))) {
        rows.add(new Row(kind, count, 0, count, "not expected in a rollout"));
      }
    });
    return rows;
  }
}
