package tech.openrtc.operator.drain;

import java.util.OptionalInt;

/**
 * One reading of a pod's in-flight call count. Unknown is never treated as 0: a pod whose count
 * cannot be read is kept until its drain deadline.
 *
 * @param disagreement set when two sources were read (cross-check) and one read 0 while the other
 *     did not; the reading is then the non-zero one, so the pod is kept
 */
public record InFlight(Integer count, String error, String disagreement) {

  public static InFlight of(int count) {
    return new InFlight(count, null, null);
  }

  public static InFlight unknown(String why) {
    return new InFlight(null, why, null);
  }

  /**
   * The worker's own answer and LiveKit's, read together: 0 only when both read 0, unknown when
   * either is unknown, otherwise the larger count.
   */
  public static InFlight crossChecked(InFlight http, InFlight liveKit) {
    if (!http.known() || !liveKit.known()) {
      return unknown(!http.known() ? "http: " + http.error() : liveKit.error());
    }
    String disagreement = http.zero() != liveKit.zero()
        ? "worker endpoint reads " + http.count() + ", LiveKit reads " + liveKit.count()
        : null;
    return new InFlight(Math.max(http.count(), liveKit.count()), null, disagreement);
  }

  public boolean known() {
    return count != null;
  }

  public boolean zero() {
    return count != null && count == 0;
  }

  public OptionalInt value() {
    return count == null ? OptionalInt.empty() : OptionalInt.of(count);
  }

  @Override
  public String toString() {
    return known() ? String.valueOf(count) : "unknown (" + error + ")";
  }
}
