package tech.openrtc.operator.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Samples this whole process (operator, simulator and bench alike): heap in use every 100 ms and
 * after every garbage collection, and the CPU time and names of every thread every second and at
 * each snapshot. A thread's CPU time
 * can only be read while it is alive, so each thread keeps the last value sampled: one that ends
 * between two snapshots is still counted, up to its last sample.
 */
final class ProcessSampler implements AutoCloseable {

  static final long HEAP_INTERVAL_MS = 100;
  /** Reading every thread's CPU time costs CPU itself. */
  static final long THREAD_INTERVAL_MS = 1000;

  /** What one thread was seen as: every name it had (JOSDK renames its threads while they work). */
  private static final class Seen {
    final Set<String> names = new HashSet<>();
    long cpuNanos;
  }

  /** CPU time per thread id at one moment, and the process's total. */
  record Snapshot(Map<Long, Long> cpuByThread, long processCpuNanos) {}

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final Map<Long, Seen> seen = new HashMap<>();
  private final Thread thread;
  private long peakHeapBytes;
  private long peakHeapAfterGcBytes;
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private volatile boolean stopped;

  ProcessSampler() {
    threads.setThreadCpuTimeEnabled(true);
    watchCollections();
    sampleThreads();
    thread = new Thread(this::loop, "bench-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    long nextThreads = 0;
    while (!stopped) {
      sampleHeap();
      if (System.currentTimeMillis() >= nextThreads) {
        sampleThreads();
        nextThreads = System.currentTimeMillis() + THREAD_INTERVAL_MS;
      }
      try {
        Thread.sleep(HEAP_INTERVAL_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Heap in use right after each garbage collection: closer to what the process really needs
   * than the sampled figure, which also counts garbage not yet collected (a lot of it under a
   * large -Xmx).
   */
  private void watchCollections() {
    Set<String> heapPools = new HashSet<>();
    ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .forEach(p -> heapPools.add(p.getName()));
    NotificationListener listener = (n, handback) -> {
      if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
        GcInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        long used = info.getMemoryUsageAfterGc().entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
            .mapToLong(e -> e.getValue().getUsed()).sum();
        synchronized (this) {
          peakHeapAfterGcBytes = Math.max(peakHeapAfterGcBytes, used);
        }
      }
    };
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        unsubscribe.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException e) {
            // already gone
          }
        });
      }
    }
  }

  private synchronized void sampleHeap() {
    peakHeapBytes = Math.max(peakHeapBytes, memory.getHeapMemoryUsage().getUsed());
  }

  private synchronized void sampleThreads() {
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids, 0);
    long[] cpu = threads.getThreadCpuTime(ids);
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] == null || cpu[i] < 0) {
        continue; // ended meanwhile: keep what was seen before
      }
      Seen s = seen.computeIfAbsent(ids[i], k -> new Seen());
      s.names.add(infos[i].getThreadName());
      s.cpuNanos = cpu[i];
    }
  }

  /** Samples now and returns the CPU time of every thread seen so far. */
  synchronized Snapshot snapshot() {
    sampleHeap();
    sampleThreads();
    Map<Long, Long> cpu = new HashMap<>();
    seen.forEach((id, s) -> cpu.put(id, s.cpuNanos));
    return new Snapshot(cpu, os.getProcessCpuTime());
  }

  synchronized long peakHeapBytes() {
    return peakHeapBytes;
  }

  /** The most heap in use right after a garbage collection; 0 if none ran. */
  synchronized long peakHeapAfterGcBytes() {
    return peakHeapAfterGcBytes;
  }

  /** Every name each thread was seen with, by thread id. */
  synchronized Map<Long, Set<String>> names() {
    Map<Long, Set<String>> names = new HashMap<>();
    seen.forEach((id, s) -> names.put(id, Set.copyOf(s.names)));
    return names;
  }

  /**
   * Milliseconds of CPU spent between two snapshots by the threads the filter accepts, by thread
   * name pattern (digits replaced by N).
   */
  synchronized Map<String, Long> cpuMillisBetween(Snapshot from, Snapshot to, Predicate<Long> threadId) {
    Map<String, Long> byPattern = new TreeMap<>();
    to.cpuByThread().forEach((id, cpu) -> {
      Seen s = seen.get(id);
      if (s != null && threadId.test(id)) {
        long spent = cpu - from.cpuByThread().getOrDefault(id, 0L);
        byPattern.merge(pattern(s.names), spent / 1_000_000, Long::sum);
      }
    });
    return byPattern;
  }

  /** One name of the thread with digits folded, the most telling one (a renamed name wins). */
  private static String pattern(Set<String> names) {
    return names.stream().map(n -> n.replaceAll("\\d+", "N"))
        .max(java.util.Comparator.comparing((String n) -> !n.startsWith("pool-")).thenComparing(n -> n))
        .orElse("?");
  }

  @Override
  public void close() {
    stopped = true;
    unsubscribe.forEach(Runnable::run);
    thread.interrupt();
  }
}
