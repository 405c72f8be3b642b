package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * How a command finds its cluster, the way kubectl does: --kubeconfig, KUBECONFIG, ~/.kube/config,
 * in-cluster. Mixed into `kubectl agents`; inherited, so every subcommand accepts the flags too, before
 * or after its name, and they all land here.
 */
public class KubeOptions {

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, description = "Namespace (default: the context's, else default).")
  String namespace;

  @Option(names = "--context", scope = ScopeType.INHERIT, description = "The kubeconfig context to use.")
  String context;

  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, description = "Path to a kubeconfig file.")
  Path kubeconfig;

  /** A client for a short-lived command: fail fast instead of retrying when there is no cluster. */
  KubernetesClient client(String userAgent) {
    Config config = config(kubeconfig, context);
    config.setUserAgent(userAgent);
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(15_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  String namespace(KubernetesClient client) {
    if (namespace != null) {
      return namespace;
    }
    return client.getNamespace() != null ? client.getNamespace() : "default";
  }

  static Config config(Path kubeconfig, String context) {
    Config config;
    if (kubeconfig == null) {
      config = Config.autoConfigure(context);
    } else {
      try {
        config = Config.fromKubeconfig(context, Files.readString(kubeconfig, StandardCharsets.UTF_8), kubeconfig.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
      }
    }
    // fabric8 silently falls back to the current context for an unknown name; kubectl refuses.
    if (context != null && (config.getCurrentContext() == null || !context.equals(config.getCurrentContext().getName()))) {
      throw new IllegalArgumentException("context \"" + context + "\" does not exist");
    }
    return config;
  }
}
