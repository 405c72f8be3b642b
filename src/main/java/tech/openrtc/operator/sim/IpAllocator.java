package tech.openrtc.operator.sim;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Hands out loopback addresses for pods: 127.0.0.2, 127.0.0.3, ... 127.0.0.254, 127.0.1.1, ...
 * (skipping .0 and .255 so no address looks like a network or broadcast address). On Linux all
 * of 127/8 is routed to the loopback interface, so every pod can listen on its own IP and the
 * same port, as in a real cluster.
 *
 * <p>A freed address is reused only after a quarantine, like a real CNI: an operator still holding
 * a dead pod's IP must not reach a new pod by accident.
 */
final class IpAllocator {

  private record Freed(int index, Instant at) {}

  private final Duration quarantine;
  private final Deque<Freed> freed = new ArrayDeque<>();
  private int next;

  IpAllocator(Duration quarantine) {
    this(quarantine, 2);
  }

  /** Starting at address index {@code first} (127.0.0.2 is 2). */
  IpAllocator(Duration quarantine, int first) {
    this.quarantine = quarantine;
    this.next = first;
  }

  /**
   * Starting somewhere random in 127/8, so simulated clusters running side by side on one
   * machine (tests, a benchmark) rarely reach for the same addresses.
   */
  static IpAllocator anywhere(Duration quarantine) {
    return new IpAllocator(quarantine, java.util.concurrent.ThreadLocalRandom.current().nextInt(2, (1 << 24) - (1 << 20)));
  }

  synchronized InetAddress allocate() {
    Freed oldest = freed.peekFirst();
    if (oldest != null && oldest.at().plus(quarantine).isBefore(Instant.now())) {
      freed.removeFirst();
      return address(oldest.index());
    }
    while (next % 256 == 0 || next % 256 == 255) {
      next++;
    }
    if (next >= 1 << 24) {
      throw new IllegalStateException("out of loopback addresses");
    }
    return address(next++);
  }

  /** Returns an address; a taken address (bind failed) is simply never freed. */
  synchronized void free(InetAddress address) {
    byte[] b = address.getAddress();
    int index = ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    freed.addLast(new Freed(index, Instant.now()));
  }

  private static InetAddress address(int index) {
    try {
      return InetAddress.getByAddress(
          new byte[] {127, (byte) (index >> 16), (byte) (index >> 8), (byte) index});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen for a 4-byte address
    }
  }
}
