package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tech.openrtc.operator.api.AgentDeployment;

/**
 * A `kubectl agents` command on one AgentDeployment: finds the cluster and the resource, and turns
 * a missing resource or an unreachable cluster into a one-line error and exit code 1.
 */
abstract class AgentCommand implements Callable<Integer> {

  static final String USER_AGENT = "kubectl-agents/0.1.0";
  static final String KIND = "agentdeployment.agents.openrtc.tech";

  @Mixin KubeOptions kube;

  @Parameters(index = "0", paramLabel = "NAME", description = "The AgentDeployment.")
  String name;

  @Spec CommandSpec spec;

  /** Runs the command on an AgentDeployment that exists; returns the exit code. */
  abstract int run(KubernetesClient client, String namespace, AgentDeployment d) throws Exception;

  @Override
  public Integer call() throws Exception {
    Logs.quiet();
    try (KubernetesClient client = kube.client(USER_AGENT)) {
      String namespace = kube.namespace(client);
      AgentDeployment d;
      try {
        d = client.resources(AgentDeployment.class).inNamespace(namespace).withName(name).get();
      } catch (KubernetesClientException e) {
        return fail("cannot reach the cluster at " + client.getMasterUrl() + ": " + rootMessage(e));
      }
      if (d == null) {
        return fail("agentdeployment \"" + name + "\" not found in namespace \"" + namespace + "\"");
      }
      try {
        return run(client, namespace, d);
      } catch (KubernetesClientException e) {
        return fail(rootMessage(e));
      } catch (IllegalArgumentException e) {
        return fail(e.getMessage());
      }
    }
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  int fail(String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("error: " + message);
    err.flush();
    return 1;
  }

  void say(String line) {
    out().println(line);
    out().flush();
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
