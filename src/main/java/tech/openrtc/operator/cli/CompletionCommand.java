package tech.openrtc.operator.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `kubectl agents completion bash`: a bash completion script for `kubectl-agents`, made by picocli. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a bash completion script for kubectl-agents (zsh: after `autoload -U +X bashcompinit && bashcompinit`).",
        "Load it with: source <(kubectl agents completion bash)"})
public class CompletionCommand implements Callable<Integer> {

  enum Shell { bash }

  @Parameters(paramLabel = "SHELL", description = "The shell: ${COMPLETION-CANDIDATES}.")
  Shell shell;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine agents = new CommandLine(new AgentsCommand()).setCommandName("kubectl-agents");
    spec.commandLine().getOut().print(AutoComplete.bash("kubectl-agents", agents));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
