package tech.openrtc.operator.drain;

import java.util.OptionalInt;

/**
 * One reading of a pod's in-flight call count. Unknown is never treated as 0: a pod whose count
 * cannot be read is kept until its drain deadline.
 */
public record InFlight(Integer count, String error) {

  public static InFlight of(int count) {
    return new InFlight(count, null);
  }

  public static InFlight unknown(String why) {
    return new InFlight(null, why);
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
