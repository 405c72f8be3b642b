package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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
    KubernetesClient connected;
    try {
      connected = kube.client(USER_AGENT);
    } catch (IllegalArgumentException e) {
      return fail(e.getMessage());
    } catch (UncheckedIOException e) {
      return fail(e.getMessage() + " (" + e.getCause().getClass().getSimpleName() + ")");
    }
    try (KubernetesClient client = connected) {
      String namespace = kube.namespace(client);
      AgentDeployment d;
      try {
        d = client.resources(AgentDeployment.class).inNamespace(namespace).withName(name).get();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 401 || e.getCode() == 403) {
          return fail("the cluster refused the request (HTTP " + e.getCode() + "): " + e.getMessage());
        }
        return fail("cannot reach the cluster at " + client.getMasterUrl() + ": " + connectionProblem(e));
      }
      if (d == null) {
        return fail("agentdeployment \"" + name + "\" not found in namespace \"" + namespace + "\"");
      }
      try {
        return run(client, namespace, d);
      } catch (KubernetesClientException e) {
        return fail(rootMessage(e));
      } catch (IllegalArgumentException | IllegalStateException e) {
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

  /** kubectl's words for the usual network failures. */
  static String connectionProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
        return "connection refused";
      }
      if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.SocketTimeoutException) {
        return "timed out";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "no such host";
      }
    }
    return rootMessage(e);
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
