package tech.openrtc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogsTest {

  @Test
  void jsonFormatWritesOneObjectPerLineAndAuditRecordsAsTheyAre() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Logs.use(Logs.Format.json);
      LoggerFactory.getLogger("tech.openrtc.operator.Test").info("drained {} pods", 3);
      LoggerFactory.getLogger("audit").info("{\"seq\":1,\"event\":\"deployment.started\"}");
      LoggerFactory.getLogger("tech.openrtc.operator.Test").warn("failed", new IllegalStateException("boom"));
    } finally {
      System.setErr(original);
      Logs.use(Logs.Format.text);
    }
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line)); // throws if any line is not one JSON object
      }
    }
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).path("level").asText()).isEqualTo("INFO");
    assertThat(lines.get(0).path("loggerName").asText()).isEqualTo("tech.openrtc.operator.Test");
    assertThat(lines.get(0).path("formattedMessage").asText()).isEqualTo("drained 3 pods");
    assertThat(lines.get(1).path("event").asText()).isEqualTo("deployment.started");
    assertThat(lines.get(2).path("throwable").path("message").asText()).isEqualTo("boom");
  }
}
