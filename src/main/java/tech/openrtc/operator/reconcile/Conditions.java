package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.api.Times;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds {@code status.conditions} in one place. A condition keeps its lastTransitionTime unless
 * its status changes, so an unchanged world writes an unchanged status.
 */
public final class Conditions {

  public static final String AVAILABLE = "Available";
  public static final String PROGRESSING = "Progressing";
  public static final String DRAINING = "Draining";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String REPLICA_FAILURE = "ReplicaFailure";
  public static final String LIVEKIT_UNAVAILABLE = "LiveKitUnavailable";
  public static final String SOURCES_DISAGREE = "InFlightSourcesDisagree";
  public static final String EVACUATING = "Evacuating";

  private final List<Condition> previous;
  private final Long generation;
  private final Instant now;
  private final List<Condition> built = new ArrayList<>();

  public Conditions(List<Condition> previous, Long generation, Instant now) {
    this.previous = previous == null ? List.of() : previous;
    this.generation = generation;
    this.now = now;
  }

  public Conditions set(String type, boolean status, String reason, String message) {
    return set(type, status ? "True" : "False", reason, message);
  }

  public Conditions set(String type, String status, String reason, String message) {
    Condition old = find(previous, type);
    String since = old != null && Objects.equals(old.getStatus(), status)
        ? old.getLastTransitionTime()
        : Times.format(now);
    built.removeIf(c -> c.getType().equals(type));
    built.add(new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(since)
        .withObservedGeneration(generation)
        .build());
    return this;
  }

  /** Conditions not set in this round are carried over unchanged. */
  public List<Condition> build() {
    List<Condition> out = new ArrayList<>(built);
    for (Condition old : previous) {
      if (find(out, old.getType()) == null) {
        out.add(old);
      }
    }
    return out;
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
