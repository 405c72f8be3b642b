package tech.openrtc.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.openrtc.operator.sim.CallProfile;

/** One small bench run end to end: the report files exist, parse and hold every section. No timing is asserted. */
class BenchTest {

  @Test
  void aSmallRunWritesACompleteReport(@TempDir Path dir) throws Exception {
    BenchConfig config = new BenchConfig("N=1", 1, 1,
        CallProfile.uniform(4, Duration.ofMillis(500), Duration.ofSeconds(1)), 1, BenchConfig.Source.http,
        Duration.ofMillis(300), 2, Duration.ofSeconds(120), BenchConfig.Operator.IN_PROCESS);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    boolean ok = Bench.run(List.of(config), dir, new PrintStream(progress, true, StandardCharsets.UTF_8));

    assertThat(ok).as("rollout completed with no call cut").isTrue();
    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    assertThat(json.path("machine").path("processors").asInt()).isPositive();
    JsonNode run = json.path("runs").get(0);
    assertThat(run.path("completed").asBoolean()).isTrue();
    assertThat(run.path("callsCut").asLong()).isZero();
    assertThat(run.path("callsStarted").asLong()).isPositive();
    assertThat(run.path("podsReplaced").asLong()).isEqualTo(1);
    assertThat(run.path("podWritesPerReplacedPod").asDouble()).isGreaterThanOrEqualTo(4.0);
    assertThat(run.path("idleWrites").isNumber()).isTrue();
    assertThat(run.path("writes").findValuesAsText("kind")).contains("create pods", "patch pods", "delete pods",
        "patch agentdeployments/status");
    assertThat(run.path("operator").path("reconciles").asLong()).isPositive();
    assertThat(run.path("operator").has("listRooms")).isTrue();
    assertThat(run.path("rollout").path("duration").path("count").asInt()).isEqualTo(1);
    assertThat(run.path("peakHeapMiB").asDouble()).isPositive();
    assertThat(run.path("operatorCpuMillisByThread").size()).isPositive();

    String md = Files.readString(dir.resolve("bench.md"));
    assertThat(md).contains("| run | N x R |", "How each figure is measured", "## Run N=1",
        "Operator writes during the rollout", "Status writes by cause", "Idle writes", "Drain reaction",
        "stretch of one deployment's rollout", "CPU during the rollout", "Notes:");
  }

  /** The bench's default: the operator as `run` in a JVM of its own, measured from outside. */
  @Test
  void theOperatorInItsOwnProcessIsMeasuredApart(@TempDir Path dir) throws Exception {
    BenchConfig config = new BenchConfig("N=1 own process", 1, 1,
        CallProfile.uniform(4, Duration.ofMillis(500), Duration.ofSeconds(1)), 1, BenchConfig.Source.http,
        Duration.ofMillis(300), 0, Duration.ofSeconds(120), BenchConfig.Operator.OWN_PROCESS);

    boolean ok = Bench.run(List.of(config), dir, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));

    assertThat(ok).as("rollout completed with no call cut").isTrue();
    JsonNode run = new ObjectMapper().readTree(dir.resolve("bench.json").toFile()).path("runs").get(0);
    assertThat(run.path("podWritesPerReplacedPod").asDouble()).isGreaterThanOrEqualTo(4.0);
    // Counters read from the other process's /metrics.
    assertThat(run.path("operator").path("reconciles").asLong()).isPositive();
    assertThat(run.path("operator").path("probeRequests").asLong()).isPositive();
    assertThat(run.path("reconcilesPerPodMinute").asDouble()).isPositive();
    JsonNode own = run.path("operatorProcess");
    assertThat(own.path("jvmFlags").asText()).contains("-XX:MaxRAM=768m");
    assertThat(own.path("peakRssMiB").asDouble()).isPositive();
    assertThat(own.path("peakThreads").asInt()).isPositive();
    assertThat(own.path("peakHeapAfterGcMiB").asDouble()).isPositive();
    if (Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jcmd"))) {
      assertThat(own.path("liveHeapMiB").asDouble()).isPositive().isLessThanOrEqualTo(own.path("peakRssMiB").asDouble());
    }
    assertThat(run.path("operatorCpuMillis").asLong()).isPositive();
    assertThat(run.path("operatorCpuMillisByThread").size()).as("no thread of this process is the operator's").isZero();
    assertThat(Files.readString(dir.resolve("bench.md"))).contains("The operator ran in its own JVM");
  }
}
