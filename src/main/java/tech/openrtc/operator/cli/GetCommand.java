package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.Command;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.pods.PodState;

/** `kubectl agents get NAME`: the deployment, then one row per live revision. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Show an AgentDeployment's revisions: role, ready, draining, calls in flight, age.")
public class GetCommand extends AgentCommand {

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
