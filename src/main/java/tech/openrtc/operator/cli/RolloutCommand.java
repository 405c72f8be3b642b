package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.VersionStatus;
import tech.openrtc.operator.api.Role;
import tech.openrtc.operator.history.HistoryKeeper;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.reconcile.Revisions;
import tech.openrtc.operator.reconcile.SpecValidator;
import tech.openrtc.operator.api.Times;

/** `kubectl agents rollout ...`, mirroring `kubectl rollout` for AgentDeployments. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = "Manage the rollout of an AgentDeployment.",
    subcommands = {
        RolloutCommand.Status.class, RolloutCommand.History.class, RolloutCommand.Undo.class,
        RolloutCommand.Pause.class, RolloutCommand.Resume.class, RolloutCommand.Restart.class,
        RolloutCommand.Promote.class, RolloutCommand.Abort.class})
public class RolloutCommand {

  /** The revision hash the spec names now, or null when the spec is not valid. */
  static String specRevision(AgentDeployment d) {
    if (!SpecValidator.validate(d.getSpec()).isEmpty()) {
      return null;
    }
    var spec = SpecValidator.effective(d.getSpec());
    return Revisions.hash(spec.version(), spec.template(), spec.agentName());
  }

  /** The revision the spec names when it is not yet the active one (a rollout to promote or abort). */
  static String unpromotedTarget(AgentDeployment d) {
    String target = specRevision(d);
    AgentDeploymentStatus s = d.getStatus();
    return target == null || s == null || target.equals(s.getActiveRevision()) ? null : target;
  }

  static List<ControllerRevision> history(KubernetesClient client, String namespace, String name) {
    return RevisionHistory.ordered(client.apps().controllerRevisions().inNamespace(namespace)
        .withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems());
  }

  static void mergePatch(KubernetesClient client, AgentDeployment d, Map<String, Object> patch) {
    client.resources(AgentDeployment.class).inNamespace(d.getMetadata().getNamespace()).resource(d)
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Watch the rollout until it is Healthy (exit 0), Degraded or timed out (exit 1).")
  static class Status extends AgentCommand {
    @Option(names = "--timeout", defaultValue = "0s",
        description = "Give up after this long (e.g. 30s, 5m); 0 waits forever (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = {"-w", "--watch"}, defaultValue = "true", fallbackValue = "true", arity = "0..1", paramLabel = "BOOL",
        description = "Keep watching until done (the default); --watch=false prints the state once.")
    boolean watch;

    @Override
    boolean nameOptional() {
      return true;
    }

    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) throws Exception {
      Duration limit = durationOf(timeout);
      Instant end = limit.isZero() ? Instant.MAX : Instant.now().plus(limit);
      String last = null;
      while (true) {
        AgentDeploymentStatus s = d.getStatus();
        boolean current = s != null && Objects.equals(s.getObservedGeneration(), d.getMetadata().getGeneration());
        if (current && s.getPhase() == Phase.Healthy) {
          say("agentdeployment \"" + name + "\" successfully rolled out (version " + s.getActiveVersion() + ")");
          return 0;
        }
        if (current && (s.getPhase() == Phase.Degraded || s.getPhase() == Phase.Aborted)) {
          return fail("agentdeployment \"" + name + "\" is " + s.getPhase() + ": " + s.getMessage());
        }
        String line = progress(d);
        if (!line.equals(last)) {
          say(line);
          last = line;
        }
        if (!watch) {
          return 0;
        }
        if (Instant.now().isAfter(end)) {
          return fail("timed out waiting for the rollout of \"" + name + "\" to finish");
        }
        Thread.sleep(250);
        d = client.resources(AgentDeployment.class).inNamespace(namespace).withName(name).get();
        if (d == null) {
          return fail("agentdeployment \"" + name + "\" was deleted");
        }
      }
    }

    /** One line of progress, like `kubectl rollout status`, from the status fields (never its message text). */
    static String progress(AgentDeployment d) {
      AgentDeploymentStatus s = d.getStatus();
      if (s == null || s.getPhase() == null
          || !Objects.equals(s.getObservedGeneration(), d.getMetadata().getGeneration())) {
        return "Waiting for the operator to observe generation " + d.getMetadata().getGeneration() + "...";
      }
      int replicas = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      Optional<VersionStatus> preview = Optional.ofNullable(s.getVersions()).orElse(List.of()).stream()
          .filter(v -> v.getRole() == Role.Preview).findFirst();
      int previewReady = preview.map(VersionStatus::getReady).orElse(0);
      return switch (s.getPhase()) {
        case Paused -> "Rollout is paused: " + s.getMessage() + "...";
        case AwaitingPromotion -> "Waiting for promotion: " + previewReady + " of " + replicas
            + " new workers ready (kubectl agents rollout promote " + d.getMetadata().getName() + ")...";
        case Draining -> "Waiting for rollout to finish: " + plural(orZero(s.getDrainingReplicas()), "old worker")
            + " draining, " + plural(orZero(s.getDrainingCalls()), "call") + " in flight...";
        default -> preview.isPresent()
            ? "Waiting for rollout to finish: " + previewReady + " of " + replicas + " new workers ready..."
            : "Waiting for rollout to finish: " + orZero(s.getReadyReplicas()) + " of " + replicas + " workers ready...";
      };
    }

    private static int orZero(Integer n) {
      return n == null ? 0 : n;
    }

    private static String plural(int n, String what) {
      return n + " " + what + (n == 1 ? "" : "s");
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "List the recorded revisions.")
  static class History extends AgentCommand {
    @Option(names = "--revision", description = "Show one revision in full.")
    Long revision;

    @Override
    boolean nameOptional() {
      return true;
    }

    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      List<ControllerRevision> history = history(client, namespace, name);
      if (revision != null) {
        Optional<ControllerRevision> cr = RevisionHistory.byNumber(history, revision);
        if (cr.isEmpty()) {
          return fail("unable to find revision " + revision + " of agentdeployment \"" + name + "\"");
        }
        say(KIND + "/" + name + " with revision #" + revision);
        say("Revision:     " + RevisionHistory.revisionOf(cr.get()));
        say("Change-Cause: " + changeCause(cr.get()));
        say(Serialization.asYaml(cr.get().getData()).replaceFirst("^---\\n", "").stripTrailing());
        return 0;
      }
      say(KIND + "/" + name);
      say(String.format("%-9s %-14s %-12s %s", "REVISION", "VERSION", "HASH", "CHANGE-CAUSE"));
      for (ControllerRevision cr : history) {
        String version = RevisionHistory.read(cr).map(rt -> rt.version()).orElse("?");
        say(String.format("%-9d %-14s %-12s %s", RevisionHistory.number(cr), version,
            RevisionHistory.revisionOf(cr), changeCause(cr)));
      }
      return 0;
    }

    private static String changeCause(ControllerRevision cr) {
      return Optional.ofNullable(cr.getMetadata().getAnnotations())
          .map(a -> a.get(Names.ANNOTATION_CHANGE_CAUSE)).orElse("<none>");
    }
  }

  @Command(name = "undo", mixinStandardHelpOptions = true,
      description = "Roll back to the previous revision, or to --to-revision: an ordinary, drain-only rollout.")
  static class Undo extends AgentCommand {
    @Option(names = "--to-revision", defaultValue = "0", description = "The revision to return to; 0 means the previous one.")
    long toRevision;

    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      List<ControllerRevision> history = history(client, namespace, name);
      String current = specRevision(d);
      Optional<ControllerRevision> to = RevisionHistory.undoTarget(history, current, toRevision);
      if (to.isEmpty()) {
        return fail(toRevision > 0
            ? "unable to find revision " + toRevision + " of agentdeployment \"" + name + "\""
            : "no previous revision of agentdeployment \"" + name + "\" to roll back to");
      }
      long number = RevisionHistory.number(to.get());
      if (Objects.equals(RevisionHistory.revisionOf(to.get()), current)) {
        say(KIND + "/" + name + " skipped rollback (current template already matches revision " + number + ")");
        return 0;
      }
      new HistoryKeeper(client).rollback(d, to.get());
      say(KIND + "/" + name + " rolled back to revision " + number + " (version "
          + RevisionHistory.read(to.get()).map(rt -> rt.version()).orElse("?") + ")");
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop the rollout where it is.")
  static class Pause extends AgentCommand {
    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      return setPaused(this, client, d, true);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Continue a paused rollout.")
  static class Resume extends AgentCommand {
    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      return setPaused(this, client, d, false);
    }
  }

  private static int setPaused(AgentCommand command, KubernetesClient client, AgentDeployment d, boolean paused) {
    if (Boolean.TRUE.equals(d.getSpec().getPaused()) == paused) {
      return command.fail(AgentCommand.KIND + " \"" + command.name + "\" is " + (paused ? "already paused" : "not paused"));
    }
    mergePatch(client, d, Map.of("spec", Map.of("paused", paused)));
    command.say(AgentCommand.KIND + "/" + command.name + (paused ? " paused" : " resumed"));
    return 0;
  }

  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = "Start fresh workers of the same version (old ones drain).")
  static class Restart extends AgentCommand {
    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      mergePatch(client, d, Map.of("spec", Map.of("template", Map.of("metadata", Map.of("annotations",
          Map.of(Names.ANNOTATION_RESTARTED_AT, Times.format(Instant.now())))))));
      say(KIND + "/" + name + " restarted");
      return 0;
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Approve the new revision (autoPromote: false); it is promoted once all its workers are ready.")
  static class Promote extends AgentCommand {
    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      String target = unpromotedTarget(d);
      if (target == null) {
        return fail("nothing to promote: agentdeployment \"" + name + "\" has no rollout in progress");
      }
      mergePatch(client, d, Map.of("metadata", Map.of("annotations", Map.of(Names.ANNOTATION_PROMOTE, "true"))));
      say(KIND + "/" + name + " promoted (version " + d.getSpec().getVersion() + ")");
      return 0;
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Stop a rollout before promotion: the new workers drain, the active version stays.")
  static class Abort extends AgentCommand {
    @Override
    int run(KubernetesClient client, String namespace, AgentDeployment d) {
      String target = unpromotedTarget(d);
      if (target == null) {
        return fail("nothing to abort: agentdeployment \"" + name + "\" has no unpromoted rollout"
            + " (a promoted version is undone with `rollout undo`)");
      }
      mergePatch(client, d, Map.of("metadata", Map.of("annotations", Map.of(Names.ANNOTATION_ABORT, target))));
      say(KIND + "/" + name + " rollout of version " + d.getSpec().getVersion() + " aborted");
      return 0;
    }
  }

  static Duration durationOf(String text) {
    String t = text.trim().toLowerCase();
    if (t.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(t));
    }
    if (!t.matches("(\\d+h)?(\\d+m)?(\\d+s)?") || t.isEmpty()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\": use e.g. 30s, 5m, 1h");
    }
    return Duration.parse("PT" + t.toUpperCase());
  }
}
