package tech.openrtc.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class InFlightParserTest {

  private static final String FIELD = "active_jobs";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{\"active_jobs\": 3}                          | 3",
      "{\"active_jobs\": 0}                          | 0",
      "{\"active_jobs\": 3.0}                        | 3",
      "{\"active_jobs\": 2.00, \"agent_name\": \"x\"}  | 2",
      "{\"active_jobs\": 1e2}                        | 100",
      "{\"agent_name\": \"support\", \"worker_load\": 0.5} | 0",
      "{\"worker_type\": \"JT_ROOM\"}                 | 0",
      "{\"sdk_version\": \"1.2.3\"}                   | 0",
      "{\"agent_name\": \"\"}                         | 0",
      "{\"active_jobs\": null, \"worker_type\": \"JT_ROOM\"} | 0",
  })
  void workerJsonCounts(String body, int expected) {
    InFlight r = InFlightParser.fromWorkerJson(body, FIELD);

    assertThat(r.known()).isTrue();
    assertThat(r.count()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] <{0}>")
  @ValueSource(strings = {
      "",
      "   ",
      "not json",
      "{\"active_jobs\": 0",                 // truncated
      "[0]",
      "0",
      "\"0\"",
      "null",
      "{\"active_jobs\": -1}",
      "{\"active_jobs\": 2.5}",
      "{\"active_jobs\": \"0\"}",            // a string is not a number
      "{\"active_jobs\": \"3\"}",
      "{\"active_jobs\": true}",
      "{\"active_jobs\": {}}",
      "{\"active_jobs\": [0]}",
      "{\"active_jobs\": 0}{\"active_jobs\": 5}", // two answers glued together
      "{\"active_jobs\": 0} trailing",
      // No count and nothing that says a worker answered: {} or another server on that port.
      "{}",
      "{\"status\":\"ok\"}",
      "{\"active_jobs\": null}",
      "{\"agent_name\": null, \"worker_type\": null}",
  })
  @NullSource
  void malformedOrNonCountIsUnknownNeverZero(String body) {
    InFlight r = InFlightParser.fromWorkerJson(body, FIELD);

    assertThat(r.known()).as("reading of %s", body).isFalse();
    assertThat(r.zero()).isFalse();
    assertThat(r.error()).isNotBlank();
  }

  @Test
  void theConfiguredFieldIsRead() {
    assertThat(InFlightParser.fromWorkerJson("{\"active_jobs\": 1, \"calls\": 4}", "calls").count()).isEqualTo(4);
  }

  @Test
  void aHugeCountIsStillNotZero() {
    InFlight r = InFlightParser.fromWorkerJson("{\"active_jobs\": 1e20}", FIELD);
    assertThat(r.zero()).isFalse();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "0    | 0",
      "7    | 7",
      "' 2 '| 2",
      "4.0  | 4",
  })
  void annotationCounts(String value, int expected) {
    InFlight r = InFlightParser.fromAnnotation(value);

    assertThat(r.known()).isTrue();
    assertThat(r.count()).isEqualTo(expected);
  }

  @Test
  void missingAnnotationIsUnknown() {
    InFlight r = InFlightParser.fromAnnotation(null);

    assertThat(r.known()).isFalse();
    assertThat(r.error()).contains("no in-flight annotation");
  }

  @ParameterizedTest(name = "[{index}] <{0}>")
  @ValueSource(strings = {"", "  ", "none", "-1", "1.5", "NaN", "Infinity", "0d", "0f", "0x0p0", "3 calls"})
  void malformedAnnotationIsUnknownNeverZero(String value) {
    InFlight r = InFlightParser.fromAnnotation(value);

    assertThat(r.known()).as("reading of %s", value).isFalse();
    assertThat(r.zero()).isFalse();
  }

  @Test
  void inFlightKnownZeroAndUnknown() {
    assertThat(InFlight.of(0).zero()).isTrue();
    assertThat(InFlight.of(2).zero()).isFalse();
    assertThat(InFlight.of(2).value()).hasValue(2);
    assertThat(InFlight.unknown("x").value()).isEmpty();
    assertThat(InFlight.unknown("refused")).hasToString("unknown (refused)");
  }

  @org.junit.jupiter.api.Test
  void anAnswerFromAnotherAgentIsUnknownNotZero() {
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"billing\", \"active_jobs\": 0}", FIELD, "support").known())
        .isFalse();
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"support\", \"active_jobs\": 0}", FIELD, "support").count())
        .isZero();
    assertThat(InFlightParser.fromWorkerJson("{\"active_jobs\": 2}", FIELD, "support").count())
        .as("no agent_name in the answer: nothing to compare").isEqualTo(2);
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"billing\", \"active_jobs\": 0}", FIELD, null).count())
        .as("no agentName in the spec: nothing to compare").isZero();
  }

  @Test
  void aMissingCountReadsZeroOnlyFromAWorkerOfTheExpectedAgent() {
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"x\"}", FIELD, "x").count()).isZero();
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"x\"}", FIELD, null).count()).isZero();
    assertThat(InFlightParser.fromWorkerJson("{\"agent_name\": \"x\"}", FIELD, "y").known()).isFalse();
    assertThat(InFlightParser.fromWorkerJson("{}", FIELD, "x").known()).isFalse();
    assertThat(InFlightParser.fromWorkerJson("{\"status\":\"ok\"}", FIELD, null).error())
        .contains("not a worker's answer");
  }
}
