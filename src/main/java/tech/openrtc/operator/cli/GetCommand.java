package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.pods.PodState;

/**
 * `kubectl agents get [NAME]`: without NAME, the AgentDeployments with the columns of `kubectl get
 * agd`; with NAME, the deployment, then one row per live revision.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = {"List AgentDeployments (the columns of `kubectl get agd`), or show one: its revisions with"
        + " role, ready, draining, calls in flight, age."})
public class GetCommand extends AgentCommand {

  @Option(names = {"-A", "--all-namespaces"}, description = "List the AgentDeployments of every namespace.")
  boolean allNamespaces;

  @Option(names = {"-l", "--selector"}, description = "Only those matching this label selector (e.g. -l team=voice).")
  String selector;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "wide: add ACTIVE-REVISION and TARGET-REVISION.")
  String output;

  @Override
  boolean nameOptional() {
    return true;
  }

  @Override
  int execute(KubernetesClient client, String namespace) throws Exception {
    if (output != null && !output.equals("wide")) {
      return fail("unable to match a printer suitable for the output format \"" + output + "\", allowed formats are: wide");
    }
    if (name == null) {
      return list(client, namespace);
    }
    if (allNamespaces) {
      return fail("a resource cannot be retrieved by name across all namespaces");
    }
    if (selector != null) {
      return fail("name cannot be provided when a selector is specified");
    }
    return super.execute(client, namespace);
  }

  private int list(KubernetesClient client, String namespace) {
    var resources = client.resources(AgentDeployment.class);
    List<AgentDeployment> items;
    try {
      items = (allNamespaces ? resources.inAnyNamespace() : resources.inNamespace(namespace))
          .list(new ListOptionsBuilder().withLabelSelector(selector).build()).getItems();
    } catch (KubernetesClientException e) {
      return unreachable(client, e);
    }
    if (items.isEmpty()) {
      spec.commandLine().getErr().println(allNamespaces ? "No resources found" : "No resources found in " + namespace + " namespace.");
      spec.commandLine().getErr().flush();
      return 0;
    }
    table(rows(items, allNamespaces, "wide".equals(output), Instant.now())).forEach(this::say);
    return 0;
  }

  /** The header and one row per AgentDeployment, by namespace and name, as `kubectl get agd` prints them. */
  static List<List<String>> rows(List<AgentDeployment> items, boolean namespaces, boolean wide, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("NAME", "READY", "ACTIVE", "TARGET", "DRAINING", "CALLS", "PHASE", "AGE"));
    if (wide) {
      header.addAll(List.of("ACTIVE-REVISION", "TARGET-REVISION"));
    }
    if (namespaces) {
      header.add(0, "NAMESPACE");
    }
    rows.add(header);
    items.stream()
        .sorted(Comparator.comparing((AgentDeployment d) -> d.getMetadata().getNamespace()).thenComparing(d -> d.getMetadata().getName()))
        .forEach(d -> {
          AgentDeploymentStatus s = d.getStatus() == null ? new AgentDeploymentStatus() : d.getStatus();
          String created = d.getMetadata().getCreationTimestamp();
          List<String> row = new ArrayList<>(Stream.of(d.getMetadata().getName(), s.getReady(), s.getActiveVersion(),
              d.getSpec() == null ? null : d.getSpec().getVersion(), s.getDrainingReplicas(), s.getCalls(), s.getPhase(),
              created == null ? null : age(Duration.between(Instant.parse(created), now)))
              .map(v -> v == null ? "" : v.toString()).toList());
          if (wide) {
            row.add(Objects.toString(s.getActiveRevision(), ""));
            row.add(Objects.toString(s.getTargetRevision(), ""));
          }
          if (namespaces) {
            row.add(0, d.getMetadata().getNamespace());
          }
          rows.add(row);
        });
    return rows;
  }

  /** Rows as aligned lines, three spaces between columns, as kubectl prints tables. */
  static List<String> table(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    rows.forEach(r -> {
      for (int i = 0; i < r.size(); i++) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    });
    return rows.stream().map(r -> {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        line.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (widths[i] + 3) + "s", r.get(i)));
      }
      return line.toString().stripTrailing();
    }).toList();
  }

  @Override
  int run(KubernetesClient client, String namespace, AgentDeployment d) {
    AgentDeploymentStatus s = d.getStatus();
    if (s == null) {
      say("Name: " + name + "   Phase: (not yet reconciled)   Target: " + d.getSpec().getVersion());
      return 0;
    }
    say(String.format("Name: %s   Namespace: %s   Phase: %s", name, namespace, s.getPhase()));
    say(String.format("Active: %s   Target: %s   Ready: %s/%s   Calls cut: %s",
        s.getActiveVersion(), s.getTargetVersion(), s.getReadyReplicas(), d.getSpec().getReplicas(),
        s.getCallsCut() == null ? 0 : s.getCallsCut()));
    if (s.getMessage() != null) {
      say("Message: " + s.getMessage());
    }
    List<PodState> pods = client.pods().inNamespace(namespace).withLabel(Names.LABEL_DEPLOYMENT, name).list()
        .getItems().stream().map(PodState::of).toList();
    say("");
    say(String.format("%-12s %-14s %-9s %5s %6s %9s %6s %6s", "REVISION", "VERSION", "ROLE", "PODS", "READY",
        "DRAINING", "CALLS", "AGE"));
    Instant now = Instant.now();
    for (VersionStatus v : s.getVersions()) {
      List<PodState> mine = pods.stream()
          .filter(p -> Objects.equals(p.revision(), v.getRevision()))
          .filter(p -> (v.getRole() == Role.Draining) == (p.draining() || p.terminating()))
          .toList();
      long draining = mine.stream().filter(p -> p.draining() || p.terminating()).count();
      Instant oldest = mine.stream().map(PodState::createdAt).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
      say(String.format("%-12s %-14s %-9s %5d %6d %9d %6s %6s", v.getRevision(), v.getVersion(), v.getRole(),
          v.getReplicas(), v.getReady(), draining, v.getInFlight() == null ? "-" : v.getInFlight().toString(),
          oldest == null ? "-" : age(Duration.between(oldest, now))));
    }
    return 0;
  }

  static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + "m";
    }
    if (s < 172800) {
      return (s / 3600) + "h";
    }
    return (s / 86400) + "d";
  }
}
