package tech.openrtc.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * `kubectl agents ...`, the commands bin/kubectl-agents runs (also `java -jar openrtc-operator.jar
 * agents ...`). -n/--namespace, --context and --kubeconfig are accepted anywhere on the line, as
 * kubectl accepts them.
 */
@Command(name = "agents", mixinStandardHelpOptions = true, version = "kubectl-agents 0.1.0",
    description = "Rollouts of AgentDeployments, the way kubectl rolls out Deployments.",
    subcommands = {RolloutCommand.class, GetCommand.class, CompletionCommand.class})
public class AgentsCommand implements Runnable {

  @Mixin KubeOptions kube;

  @Spec CommandSpec spec;

  /** The kubectl plugin's entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentsCommand()).setCommandName("kubectl agents").execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
