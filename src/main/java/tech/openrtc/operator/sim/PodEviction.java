package tech.openrtc.operator.sim;

import java.time.Instant;

/**
 * An eviction request for an existing pod and the API server's answer.
 *
 * @param budget the PodDisruptionBudget that decided, null if none covers the pod
 * @param userAgent who asked
 */
public record PodEviction(
    String namespace, String name, String budget, Outcome outcome, Instant at, String userAgent) {

  public enum Outcome {
    /** 201: the pod is being deleted. */
    EVICTED,
    /** 429: the budget allows no disruption; the pod stays. */
    REFUSED,
    /** 500: more than one budget covers the pod; the pod stays. */
    MULTIPLE_BUDGETS
  }

  public boolean evicted() {
    return outcome == Outcome.EVICTED;
  }
}
