package tech.openrtc.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import tech.openrtc.operator.api.VersionStatus;

/**
 * The operator's own metrics (Prometheus names in brackets): per-version gauges of every
 * AgentDeployment [openrtc_agentdeployment_replicas, openrtc_agentdeployment_inflight_calls],
 * rollout and drain durations [openrtc_rollout_duration_seconds, openrtc_drain_duration_seconds],
 * and counters [openrtc_calls_cut_total, openrtc_pods_drained_total]. A deployment's gauges
 * follow its status; gauges of versions that are gone are removed, and every meter of a
 * deployment that is gone.
 */
public final class OperatorMetrics {

  static final String REPLICAS = "openrtc.agentdeployment.replicas";
  static final String IN_FLIGHT = "openrtc.agentdeployment.inflight.calls";
  static final String ROLLOUT_DURATION = "openrtc.rollout.duration";
  static final String DRAIN_DURATION = "openrtc.drain.duration";
  static final String PODS_DRAINED = "openrtc.pods.drained";
  static final String CALLS_CUT = "openrtc.calls.cut";
  public static final String CUT_AT_DEADLINE = "drain_deadline";
  public static final String CUT_POD_LOST = "pod_lost";
  /** The meters tagged with one deployment's namespace and name. */
  private static final Set<String> PER_DEPLOYMENT =
      Set.of(REPLICAS, IN_FLIGHT, ROLLOUT_DURATION, DRAIN_DURATION, PODS_DRAINED, CALLS_CUT);

  /** One gauge row. */
  private record Row(String namespace, String name, String version, String role) {
    Tags tags() {
      return Tags.of("namespace", namespace, "name", name, "version", version, "role", role);
    }
  }

  /** One gauge's value and the gauge, so removing it needs no search of the registry. */
  private record Held(AtomicInteger value, Gauge gauge) {}

  private final MeterRegistry registry;
  private final Map<Row, Held> replicas = new ConcurrentHashMap<>();
  private final Map<Row, Held> inFlight = new ConcurrentHashMap<>();
  /**
   * Each deployment's rows (namespace/name), so an update touches only its own: with a scan of
   * every row per update, 1,000 deployments spent 38% of the operator's CPU here.
   */
  private final Map<String, Set<Row>> rowsOf = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Metrics nobody reads (tests that do not look at them). */
  public static OperatorMetrics discarding() {
    return new OperatorMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * A counter kept by {@code owner} (the prober, the webhook endpoint). Micrometer holds the owner
   * weakly, so it must be an object that lives as long as the operator, not a lambda.
   */
  public <T> void countFrom(String name, String description, Tags tags, T owner, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, owner, value).description(description).tags(tags).register(registry);
  }

  /** The per-version gauges of one deployment, from the versions in its status. */
  public void versions(String namespace, String name, List<VersionStatus> versions) {
    Set<Row> seen = new HashSet<>();
    for (VersionStatus v : versions == null ? List.<VersionStatus>of() : versions) {
      Row row = new Row(namespace, name, String.valueOf(v.getVersion()), String.valueOf(v.getRole()));
      seen.add(row);
      set(replicas, REPLICAS, "Worker pods of one version of an AgentDeployment", row, v.getReplicas());
      set(inFlight, IN_FLIGHT, "Calls in flight (known readings) on one version of an AgentDeployment", row,
          v.getInFlight());
    }
    Set<Row> before = rowsOf.put(key(namespace, name), seen);
    if (before != null) {
      before.stream().filter(r -> !seen.contains(r)).forEach(this::removeRow);
    }
    // Present at 0 from the start, so an alert on its increase sees the first cut call.
    callsCutCounter(namespace, name, CUT_AT_DEADLINE);
    callsCutCounter(namespace, name, CUT_POD_LOST);
  }

  /** Removes every meter of one deployment: gauges, counters and timers. */
  public void forget(String namespace, String name) {
    Set<Row> rows = rowsOf.remove(key(namespace, name));
    if (rows != null) {
      rows.forEach(this::removeRow);
    }
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      if (PER_DEPLOYMENT.contains(id.getName()) && namespace.equals(id.getTag("namespace"))
          && name.equals(id.getTag("name"))) {
        registry.remove(meter);
      }
    }
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  // A builder per call: a shared Timer.Builder's tags(...) changes it for every thread using it,
  // so concurrent reconciles recorded one deployment's times under another's tags.
  public void rolloutCompleted(String namespace, String name, Duration took) {
    timer(ROLLOUT_DURATION, "From the start of a rollout to Healthy at the new version", Duration.ofSeconds(1),
        namespace, name).record(took);
  }

  private Timer timer(String meter, String description, Duration shortest, String namespace, String name) {
    return Timer.builder(meter)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(shortest)
        .maximumExpectedValue(Duration.ofHours(6))
        .tags("namespace", namespace, "name", name)
        .register(registry);
  }

  public void podDrained(String namespace, String name, String reason, Duration drainTook) {
    Counter.builder(PODS_DRAINED).description("Pods deleted after a drain, by why they went")
        .tags("namespace", namespace, "name", name, "reason", reason).register(registry).increment();
    if (drainTook != null && !drainTook.isNegative()) {
      timer(DRAIN_DURATION, "From a pod's drain start to its deletion", Duration.ofMillis(100), namespace, name)
          .record(drainTook);
    }
  }

  /**
   * Calls cut, by why: {@value #CUT_AT_DEADLINE} (a drain ran out of time) or {@value #CUT_POD_LOST}
   * (a pod went or failed with calls, without the operator draining it: a forced delete, a lost
   * node, a crash).
   */
  public void callsCut(String namespace, String name, String reason, int calls) {
    callsCutCounter(namespace, name, reason).increment(calls);
  }

  private Counter callsCutCounter(String namespace, String name, String reason) {
    return Counter.builder(CALLS_CUT).description("Calls cut: in flight on a pod deleted at its drain deadline,"
            + " or on a pod that went without being drained")
        .tags("namespace", namespace, "name", name, "reason", reason).register(registry);
  }

  private void set(Map<Row, Held> rows, String meter, String description, Row row, Integer value) {
    rows.computeIfAbsent(row, r -> {
      AtomicInteger holder = new AtomicInteger();
      return new Held(holder,
          Gauge.builder(meter, holder, AtomicInteger::get).description(description).tags(r.tags()).register(registry));
    }).value().set(value == null ? 0 : value);
  }

  private void removeRow(Row row) {
    for (Map<Row, Held> rows : List.of(replicas, inFlight)) {
      Held held = rows.remove(row);
      if (held != null) {
        registry.remove(held.gauge());
      }
    }
  }
}
