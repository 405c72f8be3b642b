package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

  @Test
  void ipAllocatorHandsOutUniqueLoopbackAddressesAndReusesOnlyAfterQuarantine() throws Exception {
    IpAllocator ips = new IpAllocator(Duration.ofMillis(200));
    Set<String> seen = new HashSet<>();
    InetAddress first = ips.allocate();
    assertThat(first.getHostAddress()).isEqualTo("127.0.0.2");
    seen.add(first.getHostAddress());
    for (int i = 0; i < 600; i++) {
      String ip = ips.allocate().getHostAddress();
      assertThat(ip).startsWith("127.").doesNotEndWith(".0").doesNotEndWith(".255");
      assertThat(seen.add(ip)).isTrue();
    }
    assertThat(seen).contains("127.0.1.1", "127.0.2.1");

    ips.free(first);
    assertThat(ips.allocate()).isNotEqualTo(first);
    Thread.sleep(250);
    assertThat(ips.allocate()).isEqualTo(first);
  }

  @Test
  void callProfileDurations() {
    Random random = new Random(1);
    assertThat(CallProfile.fixed(1, Duration.ofSeconds(3)).sample(random)).isEqualTo(Duration.ofSeconds(3));
    CallProfile uniform = CallProfile.uniform(1, Duration.ofSeconds(1), Duration.ofSeconds(2));
    CallProfile capped = CallProfile.exponential(1, Duration.ofSeconds(10), Duration.ofSeconds(12));
    for (int i = 0; i < 1000; i++) {
      assertThat(uniform.sample(random)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(capped.sample(random)).isBetween(Duration.ZERO, Duration.ofSeconds(12));
    }
  }

  @Test
  void faultNamesMatchTheAnnotation() {
    assertThat(Fault.parse("lie-zero")).contains(Fault.LIE_ZERO);
    assertThat(Fault.parse("omit-field")).contains(Fault.OMIT_FIELD);
    assertThat(Fault.parse("crash-after-ms:100")).isEmpty();
  }
}
