package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Clients built the way kubectl finds its cluster: --kubeconfig, KUBECONFIG, ~/.kube/config, in-cluster. */
final class Clients {
  private Clients() {}

  static KubernetesClient forCluster(Path kubeconfig, String context, String userAgent) {
    Config config;
    if (kubeconfig != null) {
      try {
        config = Config.fromKubeconfig(context, Files.readString(kubeconfig, StandardCharsets.UTF_8),
            kubeconfig.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
      }
    } else {
      config = Config.autoConfigure(context);
    }
    config.setUserAgent(userAgent);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
