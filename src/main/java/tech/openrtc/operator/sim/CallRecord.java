package tech.openrtc.operator.sim;

import java.time.Instant;

/**
 * A call and how it ended. {@code outcome} and {@code end} are null while the call is live.
 */
public record CallRecord(Call call, Outcome outcome, Instant end) {

  public enum Outcome {
    /** Ended by itself after its planned duration. */
    COMPLETED,
    /** The process holding it died while it was live (crash, kill after grace, pod removed). */
    CUT
  }

  public boolean live() {
    return outcome == null;
  }
}
