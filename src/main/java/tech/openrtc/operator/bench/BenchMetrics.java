package tech.openrtc.operator.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the bench reads from the operator's meters and from the thread names of this process. */
final class BenchMetrics {

  private BenchMetrics() {}

  /** JOSDK's MicrometerMetrics counts every reconcile it starts under this name (summed over tags). */
  static final String RECONCILES = "operator.sdk.reconciliations.started";

  /**
   * Threads that belong to the operator, by name prefix: JOSDK's reconciler threads while they
   * reconcile (JOSDK renames them "ReconcilerExecutor-<controller>-<id>"); the in-flight prober;
   * the LiveKit reader; the operator's HTTP port (webhooks); the signing-key refresh; and the
   * operator client's informer callbacks and HTTP executor, named by the bench (InProcessOperator).
   */
  static final List<String> OPERATOR_THREADS = List.of("ReconcilerExecutor-", "inflight-probe", "livekit-count",
      "operator-http", "signing-keys", InProcessOperator.OPERATOR_CLIENT_TASKS, "OperatorClientHttp-");

  private static final Pattern POOL = Pattern.compile("pool-(\\d+)-thread-\\d+");

  static long reconciles(MeterRegistry registry) {
    double total = 0;
    for (Meter m : registry.getMeters()) {
      if (!m.getId().getName().equals(RECONCILES)) {
        continue;
      }
      if (m instanceof Counter c) {
        total += c.count();
      } else if (m instanceof FunctionCounter f) {
        total += f.count();
      } else if (m instanceof Timer t) {
        total += t.count();
      }
    }
    return Math.round(total);
  }

  /**
   * The number of the last pool Executors.defaultThreadFactory() made ("pool-K-thread-M"); it
   * spends one number itself. JOSDK makes its reconciler pool with that factory while the operator
   * starts, so the pools numbered between a call before and one after the start are JOSDK's.
   */
  static int lastPoolNumber() {
    Matcher m = POOL.matcher(Executors.defaultThreadFactory().newThread(() -> { }).getName());
    if (!m.matches()) {
      throw new IllegalStateException("unexpected default thread name");
    }
    return Integer.parseInt(m.group(1));
  }

  /**
   * The ids of the operator's threads among those seen: by name prefix, or as a thread of a pool
   * numbered strictly between {@code poolsBefore} and {@code poolsAfter}.
   */
  static Set<Long> operatorThreads(Map<Long, Set<String>> namesById, int poolsBefore, int poolsAfter) {
    Set<Long> ids = new HashSet<>();
    namesById.forEach((id, names) -> {
      for (String n : names) {
        Matcher m = POOL.matcher(n);
        boolean operatorPool = m.matches() && Integer.parseInt(m.group(1)) > poolsBefore
            && Integer.parseInt(m.group(1)) < poolsAfter;
        if (operatorPool || OPERATOR_THREADS.stream().anyMatch(n::startsWith)) {
          ids.add(id);
          return;
        }
      }
    });
    return ids;
  }
}
