package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tech.openrtc.operator.api.AgentDeployment;

/**
 * A `kubectl agents` command on one AgentDeployment: finds the cluster and the resource (NAME, or
 * the namespace's only one where NAME may be left out), and turns a missing resource or an
 * unreachable cluster into a one-line error and exit code 1.
 */
abstract class AgentCommand implements Callable<Integer> {

  static final String USER_AGENT = "kubectl-agents/0.1.0";
  static final String KIND = "agentdeployment.agents.openrtc.tech";

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
      description = "The AgentDeployment. `get`, `rollout status` and `rollout history` may leave it out:"
          + " `get` then lists them, the others take the namespace's only one.")
  String name;

  @Spec CommandSpec spec;

  /** Runs the command on an AgentDeployment that exists; returns the exit code. */
  abstract int run(KubernetesClient client, String namespace, AgentDeployment d) throws Exception;

  /** Whether NAME may be left out (read-only commands): then the namespace's only AgentDeployment is meant. */
  boolean nameOptional() {
    return false;
  }

  @Override
  public Integer call() throws Exception {
    if (name == null && !nameOptional()) {
      throw new ParameterException(spec.commandLine(), "Missing required parameter: 'NAME'");
    }
    Logs.quiet();
    KubeOptions kube = kube();
    KubernetesClient connected;
    try {
      connected = kube.client(USER_AGENT);
    } catch (IllegalArgumentException e) {
      return fail(e.getMessage());
    } catch (UncheckedIOException e) {
      return fail(e.getMessage() + " (" + e.getCause().getClass().getSimpleName() + ")");
    }
    try (KubernetesClient client = connected) {
      try {
        return execute(client, kube.namespace(client));
      } catch (KubernetesClientException e) {
        return fail(rootMessage(e));
      } catch (IllegalArgumentException | IllegalStateException e) {
        return fail(e.getMessage());
      }
    }
  }

  /** Finds the AgentDeployment (NAME, or the namespace's only one) and runs the command on it. */
  int execute(KubernetesClient client, String namespace) throws Exception {
    var deployments = client.resources(AgentDeployment.class).inNamespace(namespace);
    AgentDeployment d;
    try {
      if (name != null) {
        d = deployments.withName(name).get();
        if (d == null) {
          return fail("agentdeployment \"" + name + "\" not found in namespace \"" + namespace + "\"");
        }
      } else {
        List<AgentDeployment> all = deployments.list().getItems();
        if (all.size() != 1) {
          List<String> names = all.stream().map(a -> a.getMetadata().getName()).sorted().toList();
          return fail((names.isEmpty() ? "no agentdeployments" : names.size() + " agentdeployments (" + String.join(", ", names) + ")")
              + " in namespace \"" + namespace + "\": name one, as in `" + spec.qualifiedName() + " NAME`");
        }
        d = all.get(0);
        name = d.getMetadata().getName();
      }
    } catch (KubernetesClientException e) {
      return unreachable(client, e);
    }
    return run(client, namespace, d);
  }

  /** The error for a request the cluster refused or never answered. */
  int unreachable(KubernetesClient client, KubernetesClientException e) {
    if (e.getCode() == 401 || e.getCode() == 403) {
      return fail("the cluster refused the request (HTTP " + e.getCode() + "): " + e.getMessage());
    }
    return fail("cannot reach the cluster at " + client.getMasterUrl() + ": " + connectionProblem(e));
  }

  /** The cluster flags, held by the `agents` command above this one (they are inherited options). */
  KubeOptions kube() {
    for (CommandSpec s = spec; s != null; s = s.parent()) {
      if (s.userObject() instanceof AgentsCommand agents) {
        return agents.kube;
      }
    }
    throw new IllegalStateException(spec.qualifiedName() + " runs only under `agents`");
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
