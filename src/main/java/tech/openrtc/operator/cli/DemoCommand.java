package tech.openrtc.operator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.sim.CallLedger;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.NodeDrain;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/**
 * The embedded main job: a simulated cluster and the operator in one process, a live blue-green
 * rollout (or a node drain) under calls, and a summary. Exit 0 only if it reached Healthy with 0
 * calls cut and no call that found no accepting worker.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a live rollout (or a node drain) on the embedded simulated cluster and print it.")
public class DemoCommand implements Callable<Integer> {

  /** What the demo does once calls flow. */
  enum Scenario {
    /** Bump spec.version: a blue-green rollout. */
    rollout,
    /** `kubectl drain` the node holding most workers: an evacuation. */
    node_drain
  }

  @Option(names = "--scenario", defaultValue = "rollout", converter = ScenarioConverter.class,
      description = "rollout (bump the version) or node-drain (kubectl drain the busiest node). Default ${DEFAULT-VALUE}.")
  Scenario scenario;

  static final class ScenarioConverter implements picocli.CommandLine.ITypeConverter<Scenario> {
    @Override
    public Scenario convert(String value) {
      return Scenario.valueOf(value.replace('-', '_'));
    }
  }

  static final String DEMO_FILE = "examples/demo.yaml";

  @Option(names = "--file", description = "AgentDeployment to apply (default: " + DEMO_FILE + ", or the copy in the jar).")
  Path file;

  @Option(names = "--calls-per-second", defaultValue = "6", description = "Call arrival rate (default ${DEFAULT-VALUE}).")
  double callsPerSecond;

  @Option(names = "--call-seconds", defaultValue = "2-12", description = "Call duration range MIN-MAX in seconds (default ${DEFAULT-VALUE}).")
  String callSeconds;

  @Option(names = "--startup-ms", defaultValue = "1500", description = "Simulated pod start-up time (default ${DEFAULT-VALUE} ms).")
  long startupMillis;

  @Option(names = "--timeout-seconds", defaultValue = "110", description = "Give up after this long (default ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--summary-json", description = "Write the summary as JSON to this file.")
  Path summaryJson;

  @Option(names = "--verbose", description = "Show the operator's log and audit records.")
  boolean verbose;

  private final PrintStream out = System.out;
  private Instant t0;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      Logs.quiet();
    }
    t0 = Instant.now();
    AgentDeployment desired = load();
    String ns = desired.getMetadata().getNamespace() == null ? "default" : desired.getMetadata().getNamespace();
    desired.getMetadata().setNamespace(ns);
    String name = desired.getMetadata().getName();

    // Files follow as late as on a real kubelet: podinfo in a second, volumes a minute later.
    try (SimCluster sim = SimCluster.start(SimOptions.defaults().withStartupDelay(Duration.ofMillis(startupMillis))
        .withPropagation(SimOptions.Propagation.kubelet()))) {
      KubernetesClient operatorClient = sim.newClient(RunCommand.USER_AGENT);
      KubernetesClient user = sim.newClient("kubectl-demo");
      try (AgentOperator operator = AgentOperator.start(operatorClient, Set.of(), -1)) {
        line("simulated cluster up at " + sim.masterUrl() + "; operator started");
        user.resource(desired).create();
        line("applied " + (file != null ? file : DEMO_FILE) + ": " + ns + "/" + name + " version "
            + desired.getSpec().getVersion() + ", " + desired.getSpec().getReplicas() + " replicas");
        Watcher watcher = new Watcher(user, ns, name);
        if (!watcher.until(s -> s.getPhase() == Phase.Healthy, Duration.ofSeconds(timeoutSeconds))) {
          line("first version never became Healthy");
          return 1;
        }
        sim.calls(ns, name, profile(callsPerSecond, callSeconds));
        line("placing " + callsPerSecond + " calls/s, " + callSeconds + " s each");
        Thread.sleep(4000);

        if (scenario == Scenario.node_drain) {
          return nodeDrain(sim, user, watcher, ns, name);
        }
        String from = desired.getSpec().getVersion();
        String to = nextVersion(from);
        long podsCreatedBefore = count(sim, "create");
        long podsDeletedBefore = count(sim, "delete");
        AgentDeployment current = user.resources(AgentDeployment.class).inNamespace(ns).withName(name).get();
        current.getSpec().setVersion(to);
        for (Container c : current.getSpec().getTemplate().getSpec().getContainers()) {
          if (c.getImage() != null && c.getImage().endsWith(":" + from)) {
            c.setImage(c.getImage().substring(0, c.getImage().length() - from.length()) + to);
          }
        }
        Instant bumped = Instant.now();
        user.resource(current).update();
        line("bumped spec.version " + from + " -> " + to + ": rollout starts");

        boolean healthy = watcher.until(s -> s.getPhase() == Phase.Healthy && to.equals(s.getActiveVersion())
            && to.equals(s.getTargetVersion()), Duration.ofSeconds(timeoutSeconds));
        double rolloutSeconds = Duration.between(bumped, Instant.now()).toMillis() / 1000.0;
        CallLedger ledger = sim.ledger();
        Map<String, Object> summary = new LinkedHashMap<>();
        AgentDeploymentStatus last = watcher.last();
        summary.put("phase", last == null || last.getPhase() == null ? "Unknown" : last.getPhase().name());
        summary.put("rolloutSeconds", rolloutSeconds);
        putCalls(summary, ledger);
        summary.put("podsCreated", count(sim, "create") - podsCreatedBefore);
        summary.put("podsDeleted", count(sim, "delete") - podsDeletedBefore);
        printSummary(summary);
        boolean ok = healthy && ledger.cut() == 0 && ledger.rejected() == 0;
        out.println(ok ? "OK: rolled out " + from + " -> " + to + " with 0 calls cut and none without a worker"
            : "FAILED: " + (!healthy ? "rollout did not reach Healthy"
                : ledger.cut() + " calls cut, " + ledger.rejected() + " calls found no worker"));
        return ok ? 0 : 1;
      }
    }
  }

  /**
   * Drains the node holding most of the deployment's workers as {@code kubectl drain} does (cordon,
   * evict every 5 s): the budget refuses, the operator replaces each worker there, drains it, and
   * the node empties as its calls end.
   */
  private int nodeDrain(SimCluster sim, KubernetesClient user, Watcher watcher, String ns, String name)
      throws Exception {
    String node = sim.nodes().names().stream()
        .max(Comparator.comparingLong((String n) -> sim.nodes().podsOn(n).stream()
            .filter(p -> name.equals(p.getMetadata().getLabels().get(Names.LABEL_DEPLOYMENT))).count()))
        .orElseThrow();
    long workersThere = sim.nodes().podsOn(node).size();
    long podsCreatedBefore = count(sim, "create");
    Instant started = Instant.now();
    NodeDrain drain = sim.nodes().kubectlDrain(node, null);
    line("kubectl drain " + node + " (" + workersThere + " workers on it): cordon, then evict every 5 s");
    boolean emptied = watcher.until(s -> drain.done().isDone(), Duration.ofSeconds(timeoutSeconds));
    double drainSeconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
    line(emptied ? "node " + node + " is empty: kubectl drain finished" : "node " + node + " did not empty");
    boolean healthy = emptied && watcher.until(s -> s.getPhase() == Phase.Healthy, Duration.ofSeconds(timeoutSeconds));
    CallLedger ledger = sim.ledger();
    Map<String, Object> summary = new LinkedHashMap<>();
    AgentDeploymentStatus last = watcher.last();
    summary.put("phase", last == null || last.getPhase() == null ? "Unknown" : last.getPhase().name());
    summary.put("node", node);
    summary.put("nodeDrainSeconds", drainSeconds);
    summary.put("evictionsRefused", drain.evictionsRefused());
    summary.put("forcedDeletes", drain.forcedDeletes());
    putCalls(summary, ledger);
    summary.put("podsCreated", count(sim, "create") - podsCreatedBefore);
    printSummary(summary);
    boolean ok = healthy && ledger.cut() == 0 && ledger.rejected() == 0 && drain.forcedDeletes() == 0;
    out.println(ok ? "OK: drained " + node + " with 0 calls cut and none without a worker"
        : "FAILED: " + (!healthy ? "the node did not empty, or the deployment did not return to Healthy"
            : ledger.cut() + " calls cut, " + ledger.rejected() + " calls found no worker"));
    return ok ? 0 : 1;
  }

  /** The call ledger's counts, as both scenarios report them. */
  private static void putCalls(Map<String, Object> summary, CallLedger ledger) {
    summary.put("callsStarted", ledger.started());
    summary.put("callsCompleted", ledger.completed());
    summary.put("callsCut", ledger.cut());
    summary.put("callsLive", ledger.live());
    summary.put("callsNoWorker", ledger.rejected());
  }

  private void printSummary(Map<String, Object> summary) throws java.io.IOException {
    out.println();
    out.println("Summary");
    summary.forEach((k, v) -> out.printf("  %-17s %s%n", k, v));
    if (summaryJson != null) {
      Files.writeString(summaryJson, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    }
  }

  private static long count(SimCluster sim, String verb) {
    return sim.requests().all().stream()
        .filter(c -> c.userAgentStartsWith(RunCommand.USER_AGENT) && verb.equals(c.verb()) && "pods".equals(c.resource()))
        .count();
  }

  /** Prints a line per step (the operator's Events) and the revision table whenever status changes. */
  private final class Watcher {
    private final KubernetesClient client;
    private final String ns;
    private final String name;
    private final Set<String> seenEvents = new HashSet<>();
    private String lastStatusJson;
    private AgentDeploymentStatus last;
    private boolean headerShown;

    Watcher(KubernetesClient client, String ns, String name) {
      this.client = client;
      this.ns = ns;
      this.name = name;
    }

    AgentDeploymentStatus last() {
      return last;
    }

    boolean until(java.util.function.Predicate<AgentDeploymentStatus> done, Duration timeout) throws InterruptedException {
      Instant end = Instant.now().plus(timeout);
      while (Instant.now().isBefore(end)) {
        printEvents();
        AgentDeployment d = client.resources(AgentDeployment.class).inNamespace(ns).withName(name).get();
        AgentDeploymentStatus s = d == null ? null : d.getStatus();
        if (s != null) {
          String json = Serialization.asJson(s.getVersions()) + s.getPhase() + s.getMessage();
          if (!json.equals(lastStatusJson)) {
            lastStatusJson = json;
            getRow(d);
            table(s);
          }
          last = s;
          if (done.test(s) && d.getMetadata().getGeneration().equals(s.getObservedGeneration())) {
            printEvents();
            return true;
          }
        }
        Thread.sleep(250);
      }
      return false;
    }

    private void printEvents() {
      client.v1().events().inNamespace(ns).list().getItems().stream()
          .filter(e -> name.equals(e.getInvolvedObject().getName()))
          .filter(e -> seenEvents.add(e.getMetadata().getName()))
          .sorted(Comparator.comparing(Event::getLastTimestamp, Comparator.nullsFirst(Comparator.naturalOrder())))
          .forEach(e -> line(String.format("%-26s %s", e.getReason(), e.getMessage())));
    }

    /**
     * The deployment as `kubectl get agd -w` prints it (the CRD's printer columns, the header
     * once), then its message.
     */
    private void getRow(AgentDeployment d) {
      List<String> lines = GetCommand.table(GetCommand.rows(List.of(d), false, false, Instant.now()));
      if (!headerShown) {
        out.println("$ kubectl get agd -w");
        out.println(lines.get(0));
        headerShown = true;
      }
      out.println(lines.get(1));
    }

    private void table(AgentDeploymentStatus s) {
      line(s.getMessage() == null ? "" : s.getMessage());
      out.printf("           %-12s %-12s %-9s %5s %6s %10s%n", "REVISION", "VERSION", "ROLE", "PODS", "READY", "IN-FLIGHT");
      for (VersionStatus v : s.getVersions()) {
        out.printf("           %-12s %-12s %-9s %5s %6s %10s%n", v.getRevision(), v.getVersion(), v.getRole(),
            v.getReplicas(), v.getReady(), v.getInFlight() == null ? "-"
                : v.getInFlight() + (v.getInFlightUnknown() == null ? "" : " (+" + v.getInFlightUnknown() + "?)"));
      }
    }
  }

  private void line(String text) {
    double t = Duration.between(t0, Instant.now()).toMillis() / 1000.0;
    out.printf("[%6.1fs] %s%n", t, text);
  }

  private AgentDeployment load() throws Exception {
    Path path = file != null ? file : Path.of(DEMO_FILE);
    if (Files.exists(path)) {
      return Serialization.unmarshal(Files.readString(path), AgentDeployment.class);
    }
    if (file != null) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(DEMO_FILE)) {
      if (in == null) {
        throw new IllegalStateException(DEMO_FILE + " is neither on disk nor in the jar");
      }
      return Serialization.unmarshal(in, AgentDeployment.class);
    }
  }

  /** "2026.11.1" becomes "2026.11.2"; a version without a trailing number gets "-2". */
  static String nextVersion(String version) {
    Matcher m = Pattern.compile("^(.*?)(\\d+)$").matcher(version);
    if (m.matches()) {
      return m.group(1) + (Long.parseLong(m.group(2)) + 1);
    }
    return version + "-2";
  }

  static CallProfile profile(double callsPerSecond, String range) {
    String[] parts = range.split("-");
    double min = Double.parseDouble(parts[0]);
    double max = parts.length > 1 ? Double.parseDouble(parts[1]) : min;
    return CallProfile.uniform(callsPerSecond, Duration.ofMillis((long) (min * 1000)), Duration.ofMillis((long) (max * 1000)));
  }
}
