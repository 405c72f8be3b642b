package tech.openrtc.operator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.NodeDrain;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/**
 * The evacuation run: N AgentDeployments Healthy under calls on a few nodes, then the node holding
 * the most workers drained as {@code kubectl drain} does (cordon, evict every 5 s). Measured: time
 * until the node is empty, the operator's writes per evacuated pod against the minimum of 3 (the
 * replacement's create, the drain mark, the delete), budget writes, calls cut and calls that found
 * no worker.
 */
public final class EvacuationBench {

  private static final String NAMESPACE = BenchRun.NAMESPACE;

  /** What one evacuation run measured. */
  public record Result(int deployments, int replicas, int nodes, String node, int evacuated, double secondsToEmpty,
      double secondsToHealthy, long podWrites, long budgetWrites, long otherWrites, int evictionsRefused,
      int forcedDeletes, long callsCut, long callsNoWorker, long callsCompleted) {

    double podWritesPerPod() {
      return evacuated == 0 ? 0 : (double) podWrites / evacuated;
    }

    public boolean ok() {
      return callsCut == 0 && callsNoWorker == 0 && forcedDeletes == 0 && evacuated > 0;
    }

    String markdown() {
      return String.join("\n",
          "## Evacuation: N=" + deployments + " x " + replicas + " replicas on " + nodes + " nodes, kubectl drain of " + node,
          "",
          "| measure | value |",
          "|---|---|",
          "| pods evacuated (on the node at the drain) | " + evacuated + " |",
          "| seconds until the node was empty | " + String.format("%.1f", secondsToEmpty) + " |",
          "| seconds until every deployment was Healthy again | " + String.format("%.1f", secondsToHealthy) + " |",
          "| operator pod writes | " + podWrites + " (" + String.format("%.2f", podWritesPerPod())
              + " per evacuated pod; minimum 3: create, mark, delete) |",
          "| operator PodDisruptionBudget writes | " + budgetWrites + " |",
          "| other operator writes (status, Events, credentials) | " + otherWrites + " |",
          "| evictions refused by the budgets / forced deletes | " + evictionsRefused + " / " + forcedDeletes + " |",
          "| calls completed / cut / found no worker | " + callsCompleted + " / " + callsCut + " / " + callsNoWorker + " |",
          "");
    }
  }

  private EvacuationBench() {}

  public static Result run(int deployments, int replicas, int nodes, double callsPerSecond, Duration minCall,
      Duration maxCall, Duration startup, Duration timeout, PrintStream progress) throws InterruptedException {
    SimOptions options = SimOptions.defaults().withStartupDelay(startup).withNodes(nodes);
    try (SimCluster sim = SimCluster.start(options)) {
      KubernetesClient bench = sim.newClient("openrtc-bench");
      KubernetesClient operatorClient = sim.newClient(RunCommand.USER_AGENT);
      try (AgentOperator operator = AgentOperator.start(operatorClient, Set.of(), -1)) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= deployments; i++) {
          names.add(String.format("evac-%04d", i));
          bench.resource(BenchRun.deployment(names.get(i - 1), replicas, 1, BenchConfig.Source.http, null,
              sim.options().workerPort())).create();
        }
        awaitHealthy(bench, names, timeout);
        CallProfile profile = CallProfile.uniform(callsPerSecond / deployments, minCall, maxCall);
        names.forEach(n -> sim.calls(NAMESPACE, n, profile.withSeed(n.hashCode())));
        progress.printf("evacuation: %d deployments Healthy; placing %.1f calls/s; warming up %d s%n",
            deployments, callsPerSecond, maxCall.toSeconds());
        Thread.sleep(maxCall.toMillis());

        String node = sim.nodes().names().stream()
            .max(Comparator.comparingInt((String n) -> sim.nodes().podsOn(n).size())).orElseThrow();
        int evacuated = (int) sim.nodes().podsOn(node).stream()
            .filter(p -> p.getMetadata().getLabels().containsKey(Names.LABEL_DEPLOYMENT)).count();
        Instant start = Instant.now();
        NodeDrain drain = sim.nodes().kubectlDrain(node, null);
        progress.printf("evacuation: kubectl drain %s (%d workers)%n", node, evacuated);
        drain.done().orTimeout(timeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
        Instant emptied = Instant.now();
        awaitHealthy(bench, names, timeout);
        Instant healthy = Instant.now();
        Thread.sleep(2000); // writes that land just after (the completed Event)
        List<RecordedCall> writes = sim.requests().all().stream()
            .filter(c -> !c.at().isBefore(start) && c.isWrite() && c.userAgentStartsWith(RunCommand.USER_AGENT))
            .toList();
        long podWrites = writes.stream().filter(c -> "pods".equals(c.resource()) && c.subresource() == null).count();
        long budgetWrites = writes.stream().filter(c -> "poddisruptionbudgets".equals(c.resource())).count();
        return new Result(deployments, replicas, nodes, node, evacuated,
            Duration.between(start, emptied).toMillis() / 1000.0, Duration.between(start, healthy).toMillis() / 1000.0,
            podWrites, budgetWrites, writes.size() - podWrites - budgetWrites, drain.evictionsRefused(),
            drain.forcedDeletes(), sim.ledger().cut(), sim.ledger().rejected(), sim.ledger().completed());
      }
    }
  }

  /** Writes the result beside the other reports, and says where. */
  public static void report(Result r, Path out, PrintStream progress) throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve("evacuation.md"), r.markdown());
    progress.println(r.markdown());
    progress.println("report: " + out.resolve("evacuation.md"));
  }

  private static void awaitHealthy(KubernetesClient client, List<String> names, Duration timeout)
      throws InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      long healthy = client.resources(AgentDeployment.class).inNamespace(NAMESPACE).list().getItems().stream()
          .filter(d -> d.getStatus() != null && d.getStatus().getPhase() == Phase.Healthy
              && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration()))
          .count();
      if (healthy == names.size()) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("not every deployment was Healthy within " + timeout);
  }
}
