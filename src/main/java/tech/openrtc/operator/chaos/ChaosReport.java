package tech.openrtc.operator.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run did and found: written as {@code chaos.json} and {@code chaos.md}.
 *
 * @param notInjected fault kinds the run meant to inject but never could (a failed run too)
 */
public record ChaosReport(
    long seed,
    double faultMinutes,
    boolean leaderElection,
    List<Map<String, String>> deployments,
    double wallSeconds,
    Map<FaultKind, Integer> faults,
    Map<String, Long> apiFaultsServed,
    List<FaultKind> notInjected,
    Calls calls,
    Map<String, Map<String, Long>> lyingWorkers,
    int operatorRestarts,
    int operatorExits,
    double faultTailSeconds,
    Double convergenceSeconds,
    List<String> notConverged,
    Quiet quiet,
    SpecFuzzResult specFuzzing,
    List<Violation> violations) {

  /** Calls as the ledger saw them; {@code cutCauses} traces every cut call to what removed its pod. */
  public record Calls(long started, long completed, long cut, long unserved, long liveAtEnd, Map<String, Long> cutCauses,
      Map<String, Long> unservedCauses) {}

  /** Operator writes in the quiet window after convergence (invariant 5). */
  public record Quiet(double seconds, long statusWrites, long statusWritesAllowed, Map<String, Long> otherWrites) {}

  public boolean passed() {
    return violations.isEmpty() && notInjected.isEmpty();
  }

  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(dir.resolve("chaos.json"), json.writeValueAsString(this));
    Files.writeString(dir.resolve("chaos.md"), markdown());
  }

  /** Which fault each in-flight source can see, as built (DESIGN's sources, the sim's faults). */
  static final String SOURCE_TABLE = String.join("\n",
      "| worker fault | http | annotation | http+livekit crossCheck |",
      "|---|---|---|---|",
      "| crash | pod fails: calls counted as cut (pod_lost) | same | same |",
      "| hang | unknown: kept to the deadline | not seen (the count is on the pod) | unknown: kept |",
      "| garbage answer | unknown: kept to the deadline | not seen | unknown: kept |",
      "| flapping endpoint | unknown while refused, the count otherwise | not seen | same as http |",
      "| claims 0 while busy | **cannot see it**: deleted with its grace period; its calls live only if the worker"
          + " drains on SIGTERM | **cannot see it** (the worker writes the same lie) | seen: LiveKit still counts its"
          + " participants, the pod is kept |",
      "");

  public String markdown() {
    List<String> md = new ArrayList<>();
    md.add("# Chaos run, seed " + seed);
    md.add("");
    md.add(passed() ? "**PASSED**: 0 violations, every fault kind injected." : "**FAILED**: " + violations.size()
        + " violations" + (notInjected.isEmpty() ? "" : "; never injected: " + notInjected) + ".");
    md.add("");
    md.add(String.format("Faults for %.1f minutes, %s, %d AgentDeployments; wall time %.0f s.", faultMinutes,
        leaderElection ? "two operator replicas with leader election" : "one operator", deployments.size(), wallSeconds));
    md.add("");
    md.add("| deployment | in-flight source |");
    md.add("|---|---|");
    deployments.forEach(d -> md.add("| " + d.get("name") + " | " + d.get("source") + " |"));
    md.add("");
    md.add("## Faults injected");
    md.add("");
    md.add("| kind | count | what |");
    md.add("|---|---|---|");
    faults.forEach((k, n) -> md.add("| " + k + " | " + n + " | " + k.description() + " |"));
    md.add("");
    md.add("Requests the API server answered with a fault: " + apiFaultsServed + ".");
    md.add("");
    md.add("Operator starts after the first: " + operatorRestarts + ", of which " + operatorExits
        + " after the process exited by itself (restarted as the kubelet would; JOSDK exits when it loses its Lease).");
    md.add("");
    md.add("## Calls");
    md.add("");
    md.add("| started | completed | cut | unserved (no accepting worker) | live at the end |");
    md.add("|---|---|---|---|---|");
    md.add("| " + calls.started() + " | " + calls.completed() + " | " + calls.cut() + " | " + calls.unserved() + " | "
        + calls.liveAtEnd() + " |");
    md.add("");
    md.add("Every cut call, by what removed its pod:");
    md.add("");
    md.add("| cause | calls |");
    md.add("|---|---|");
    calls.cutCauses().forEach((c, n) -> md.add("| " + c + " | " + n + " |"));
    md.add("");
    md.add("Every unserved call (no worker taking calls when it arrived), by what explains it:");
    md.add("");
    md.add("| explained by | calls |");
    md.add("|---|---|");
    calls.unservedCauses().forEach((c, n) -> md.add("| " + c + " | " + n + " |"));
    md.add("");
    md.add("## What each in-flight source can see");
    md.add("");
    md.add(SOURCE_TABLE);
    md.add("Workers that claimed 0 while busy, in this run:");
    md.add("");
    md.add("| source | outcome | workers |");
    md.add("|---|---|---|");
    lyingWorkers.forEach((source, outcomes) -> outcomes.forEach((o, n) -> md.add("| " + source + " | " + o + " | " + n + " |")));
    md.add("");
    md.add("## Convergence and quiet");
    md.add("");
    md.add(convergenceSeconds == null ? "**Did not converge**: " + notConverged
        : String.format("Every deployment converged %.1f s after the faults stopped (the last fault, a drain or a worker"
            + " fault that lasts, ended %.1f s after the %.1f-minute window).", convergenceSeconds, faultTailSeconds, faultMinutes));
    md.add("");
    md.add(String.format("Quiet window of %.0f s after convergence: %d status writes (allowed %d: the CALLS column, at most"
            + " one per deployment per minute), other operator writes %s.", quiet.seconds(), quiet.statusWrites(),
        quiet.statusWritesAllowed(), quiet.otherWrites()));
    md.add("");
    md.add("## Spec fuzzing");
    md.add("");
    md.add(String.format("%d specs tried: %d rejected as InvalidSpec naming the field with no pod touched, %d accepted;"
        + " %d failures.", specFuzzing.tried(), specFuzzing.invalidRejected(), specFuzzing.validAccepted(),
        specFuzzing.failures().size()));
    md.add("");
    md.add("| mutation kind | specs |");
    md.add("|---|---|");
    new java.util.TreeMap<>(specFuzzing.byKind()).forEach((k, n) -> md.add("| " + k + " | " + n + " |"));
    md.add("");
    md.add("## Violations");
    md.add("");
    if (violations.isEmpty()) {
      md.add("None.");
    } else {
      md.add("| invariant | at | deployment | what | evidence |");
      md.add("|---|---|---|---|---|");
      violations.forEach(v -> md.add("| " + v.invariant() + " | " + v.at() + " | " + v.deployment() + " | " + v.what()
          + " | " + v.evidence().replace("|", "/") + " |"));
    }
    md.add("");
    return String.join("\n", md);
  }
}
