package tech.openrtc.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimCostTest {

  @Test
  void smallRunReportsPositiveNumbers() throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    SimCost.Result r = SimCost.run(30, Duration.ofSeconds(3), new PrintStream(text, true, StandardCharsets.UTF_8));

    assertThat(r.readyPods()).isEqualTo(30);
    assertThat(r.timeToReady()).isPositive();
    assertThat(r.cpuMillis()).isPositive();
    assertThat(r.cpuMillisPerPodMinute()).isPositive();
    assertThat(r.heapAfterGcBytes()).isPositive();
    assertThat(r.peakHeapAfterGcBytes()).isGreaterThanOrEqualTo(r.heapAfterGcBytes());
    assertThat(r.threads()).isPositive();
    assertThat(r.openFds()).isPositive();
    assertThat(r.workerReads()).isPositive();
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("| CPU per pod per minute |");
  }
}
