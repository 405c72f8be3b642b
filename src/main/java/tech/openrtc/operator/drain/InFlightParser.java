package tech.openrtc.operator.drain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads the in-flight count out of a worker's answer or a pod annotation. */
public final class InFlightParser {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private InFlightParser() {}

  /**
   * The livekit-agents {@code /worker} answer: a JSON object whose field may be missing (0) or a
   * float ({@code 3.0}). Anything else is unknown.
   */
  public static InFlight fromWorkerJson(String body, String field) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (Exception e) {
      return InFlight.unknown("malformed JSON");
    }
    if (root == null || !root.isObject()) {
      return InFlight.unknown("not a JSON object");
    }
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return InFlight.of(0);
    }
    return number(value.isNumber() ? value.asText() : null, field);
  }

  /** The {@code agents.openrtc.tech/in-flight} annotation; a missing one is unknown. */
  public static InFlight fromAnnotation(String value) {
    if (value == null) {
      return InFlight.unknown("no in-flight annotation yet");
    }
    return number(value.trim(), "annotation");
  }

  private static InFlight number(String text, String what) {
    if (text == null || text.isEmpty()) {
      return InFlight.unknown(what + " is not a number");
    }
    try {
      double d = Double.parseDouble(text);
      if (Double.isNaN(d) || Double.isInfinite(d) || d < 0 || d != Math.rint(d)) {
        return InFlight.unknown(what + " is not a whole count: " + text);
      }
      return InFlight.of((int) d);
    } catch (NumberFormatException e) {
      return InFlight.unknown(what + " is not a number: " + text);
    }
  }
}
