package tech.openrtc.operator.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps: at second precision as Kubernetes writes them, or with milliseconds. */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * With milliseconds, always three digits ({@code 2026-12-01T10:00:00.250Z}): drain marks use it,
   * so the settle time after a mark is never shortened by rounding down to the second.
   */
  public static String formatMillis(Instant instant) {
    return instant == null ? null : MILLIS.format(instant);
  }

  private static final java.time.format.DateTimeFormatter MILLIS =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(java.time.ZoneOffset.UTC);

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
