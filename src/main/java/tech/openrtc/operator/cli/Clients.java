package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;

/** Clients built the way kubectl finds its cluster: --kubeconfig, KUBECONFIG, ~/.kube/config, in-cluster. */
final class Clients {
  private Clients() {}

  static KubernetesClient forCluster(Path kubeconfig, String context, String userAgent) {
    Config config = KubeOptions.config(kubeconfig, context);
    config.setUserAgent(userAgent);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
