package tech.openrtc.operator.reconcile;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at second precision, as Kubernetes writes them. */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public static Instant parse(String rfc3339) {
    if (rfc3339 == null || rfc3339.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(rfc3339).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
