package tech.openrtc.operator.reconcile;

import java.util.Map;
import java.util.OptionalLong;
import tech.openrtc.operator.api.Names;

/**
 * The command annotations on an AgentDeployment ({@code kubectl agents rollout promote|abort|undo}),
 * read once per pass.
 *
 * @param promote {@code promote=true}: promote the waiting preview
 * @param abortRevision {@code abort=<revision>}: the rollout of that revision is aborted
 * @param rollbackTo {@code rollback-to=<n>} as written, null when absent
 */
public record Commands(boolean promote, String abortRevision, String rollbackTo) {

  public static final Commands NONE = new Commands(false, null, null);

  public static Commands of(Map<String, String> annotations) {
    if (annotations == null) {
      return NONE;
    }
    return new Commands(
        "true".equals(annotations.get(Names.ANNOTATION_PROMOTE)),
        annotations.get(Names.ANNOTATION_ABORT),
        annotations.get(Names.ANNOTATION_ROLLBACK_TO));
  }

  /** The revision number asked for by {@code rollback-to}; empty when absent or not a number. */
  public OptionalLong rollbackToNumber() {
    if (rollbackTo == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(rollbackTo.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  public boolean aborts(String revision) {
    return abortRevision != null && abortRevision.equals(revision);
  }
}
