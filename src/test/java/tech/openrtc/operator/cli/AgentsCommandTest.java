package tech.openrtc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.api.PrinterColumns;

/** How `kubectl agents` reads its command line: kubectl's flags anywhere, -w alone, get without NAME. */
class AgentsCommandTest {

  /** Parses the arguments and returns the innermost command's object. */
  @SuppressWarnings("unchecked")
  private static <T> T parse(String... args) {
    ParseResult r = new CommandLine(new AgentsCommand()).parseArgs(args);
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return (T) r.commandSpec().userObject();
  }

  @Test
  void clusterFlagsAreAcceptedBeforeBetweenAndAfterTheSubcommands() {
    for (String[] args : List.of(
        new String[] {"-n", "voice", "--context", "prod", "--kubeconfig", "/k", "rollout", "status", "support"},
        new String[] {"rollout", "status", "support", "-n", "voice", "--context=prod", "--kubeconfig=/k"},
        new String[] {"rollout", "--namespace", "voice", "status", "--context", "prod", "support", "--kubeconfig", "/k"})) {
      RolloutCommand.Status status = parse(args);
      assertThat(status.name).as(String.join(" ", args)).isEqualTo("support");
      KubeOptions kube = status.kube();
      assertThat(kube.namespace).isEqualTo("voice");
      assertThat(kube.context).isEqualTo("prod");
      assertThat(kube.kubeconfig).isEqualTo(Path.of("/k"));
    }
    GetCommand get = parse("-n", "voice", "get", "support");
    assertThat(get.kube().namespace).isEqualTo("voice");
  }

  @Test
  void watchIsAPlainFlagAndStillTakesAValue() {
    assertThat(((RolloutCommand.Status) parse("rollout", "status", "support")).watch).isTrue();
    RolloutCommand.Status w = parse("rollout", "status", "-w", "support");
    assertThat(w.watch).isTrue();
    assertThat(w.name).isEqualTo("support");
    assertThat(((RolloutCommand.Status) parse("rollout", "status", "support", "--watch")).watch).isTrue();
    assertThat(((RolloutCommand.Status) parse("rollout", "status", "support", "--watch=false")).watch).isFalse();
    assertThat(((RolloutCommand.Status) parse("rollout", "status", "support", "-w", "false")).watch).isFalse();
  }

  @Test
  void nameMayBeLeftOutOfGetStatusAndHistory() {
    RolloutCommand.Status status = parse("-n", "default", "rollout", "status");
    assertThat(status.name).isNull();
    assertThat(status.nameOptional()).isTrue();
    assertThat(((RolloutCommand.History) parse("rollout", "history")).nameOptional()).isTrue();
    GetCommand list = parse("get", "-A", "-l", "team=voice", "-o", "wide");
    assertThat(list.name).isNull();
    assertThat(list.allNamespaces).isTrue();
    assertThat(list.selector).isEqualTo("team=voice");
    assertThat(list.output).isEqualTo("wide");
    assertThat(((GetCommand) parse("get", "--all-namespaces")).allNamespaces).isTrue();
  }

  @Test
  void commandsThatChangeSomethingStillNeedAName() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new AgentsCommand()).setErr(new PrintWriter(err, true))
        .execute("rollout", "undo", "-n", "default");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required parameter: 'NAME'");
  }

  @Test
  void listColumnsAreThoseOfKubectlGetAgd() {
    AgentDeployment a = deployment("voice", "support", "2026-01-01T00:00:00Z");
    AgentDeploymentStatus s = new AgentDeploymentStatus();
    s.setReady("3/3");
    s.setActiveVersion("2026.11.1");
    s.setDrainingReplicas(1);
    s.setCalls(12);
    s.setPhase(Phase.Draining);
    s.setActiveRevision("abc");
    a.setStatus(s);
    AgentDeployment b = deployment("default", "sales", "2026-01-01T00:01:30Z"); // not yet reconciled
    Instant now = Instant.parse("2026-01-01T00:02:00Z");

    List<List<String>> wide = GetCommand.rows(List.of(a, b), true, true, now);
    List<String> declared = new ArrayList<>(List.of("NAMESPACE", "NAME"));
    declared.addAll(PrinterColumns.declared());
    assertThat(wide.get(0)).isEqualTo(declared);
    assertThat(wide.get(1)).containsExactly("default", "sales", "", "", "2026.11.1", "", "", "", "30s", "", "");
    assertThat(wide.get(2)).containsExactly("voice", "support", "3/3", "2026.11.1", "2026.11.1", "1", "12", "Draining", "2m", "abc", "");

    List<String> lines = GetCommand.table(GetCommand.rows(List.of(a), false, false, now));
    assertThat(lines).containsExactly(
        "NAME      READY   ACTIVE      TARGET      DRAINING   CALLS   PHASE      AGE",
        "support   3/3     2026.11.1   2026.11.1   1          12      Draining   2m");
  }

  @Test
  void completionPrintsABashScriptForThePlugin() {
    StringWriter out = new StringWriter();
    int code = new CommandLine(new AgentsCommand()).setOut(new PrintWriter(out, true)).execute("completion", "bash");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("complete -F").contains("kubectl-agents").contains("rollout").contains("--namespace");
  }

  private static AgentDeployment deployment(String namespace, String name, String created) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withCreationTimestamp(created).build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("2026.11.1");
    d.setSpec(spec);
    return d;
  }
}
