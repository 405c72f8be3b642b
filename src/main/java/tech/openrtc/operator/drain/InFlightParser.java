package tech.openrtc.operator.drain;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.List;

/** Reads the in-flight count out of a worker's answer or a pod annotation. */
public final class InFlightParser {

  /** Trailing content ({@code {"active_jobs":0}{"active_jobs":5}}) makes an answer malformed, not 0. */
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Fields a livekit-agents worker's {@code /worker} answer always carries. */
  private static final List<String> WORKER_FIELDS = List.of("agent_name", "worker_type", "sdk_version");

  private InFlightParser() {}

  /**
   * The livekit-agents {@code /worker} answer: a JSON object whose field may be a float
   * ({@code 3.0}), or missing (0) when the answer is recognisably a worker's: it carries
   * {@code agent_name}, {@code worker_type} or {@code sdk_version}. Anything else is unknown.
   */
  public static InFlight fromWorkerJson(String body, String field) {
    return fromWorkerJson(body, field, null);
  }

  /**
   * As {@link #fromWorkerJson(String, String)}, and when the answer names an {@code agent_name}
   * other than {@code expectedAgent} the count is unknown: another worker answered at that
   * address (an IP reused after the pod's own worker went away), so its 0 says nothing.
   */
  public static InFlight fromWorkerJson(String body, String field, String expectedAgent) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (Exception e) {
      return InFlight.unknown("malformed JSON");
    }
    if (root == null || !root.isObject()) {
      return InFlight.unknown("not a JSON object");
    }
    JsonNode agent = root.get("agent_name");
    if (expectedAgent != null && agent != null && agent.isTextual() && !agent.asText().isEmpty()
        && !expectedAgent.equals(agent.asText())) {
      return InFlight.unknown("answered by agent \"" + agent.asText() + "\", not \"" + expectedAgent + "\"");
    }
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      // Missing means 0 only from a worker: {} or another server's JSON on that port says nothing.
      return WORKER_FIELDS.stream().anyMatch(root::hasNonNull)
          ? InFlight.of(0)
          : InFlight.unknown("no " + field + ", and not a worker's answer (none of " + WORKER_FIELDS + ")");
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
      // BigDecimal takes the JSON number grammar only; Double.parseDouble would also read Java
      // literals such as "0d", "0f" or "0x0p0" as 0.
      BigDecimal d = new BigDecimal(text);
      if (d.signum() < 0 || d.stripTrailingZeros().scale() > 0) {
        return InFlight.unknown(what + " is not a whole count: " + text);
      }
      return InFlight.of(d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0 ? Integer.MAX_VALUE : d.intValue());
    } catch (NumberFormatException e) {
      return InFlight.unknown(what + " is not a number: " + text);
    }
  }
}
