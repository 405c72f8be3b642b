package tech.openrtc.operator.sim;

import static tech.openrtc.operator.api.Names.ENV_AGENT_NAME;
import static tech.openrtc.operator.api.Names.ENV_DEPLOYMENT_VERSION;
import static tech.openrtc.operator.api.Names.ENV_REVISION;
import static tech.openrtc.operator.api.Names.LABEL_DEPLOYMENT;
import static tech.openrtc.operator.api.Names.LABEL_REVISION;
import static tech.openrtc.operator.api.Names.LABEL_VERSION;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Pods shaped like the operator's (DESIGN.md: labels, env) and a plain HTTP client for /worker. */
final class SimTestSupport {

  static final String NS = "voice";
  static final String DEPLOYMENT = "support";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private SimTestSupport() {}

  static Pod pod(String name, String version, Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels(LABEL_DEPLOYMENT, DEPLOYMENT)
        .addToLabels(LABEL_VERSION, version)
        .addToLabels(LABEL_REVISION, "rev-" + version)
        .addToAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(30L)
        .addNewContainer()
        .withName("agent")
        .withImage("example/agent:" + version)
        .addNewEnv().withName(ENV_DEPLOYMENT_VERSION).withValue(version).endEnv()
        .addNewEnv().withName(ENV_REVISION).withValue("rev-" + version).endEnv()
        .addNewEnv().withName(ENV_AGENT_NAME).withValue(DEPLOYMENT).endEnv()
        .endContainer()
        .endSpec()
        .build();
  }

  static Pod create(KubernetesClient client, Pod pod) {
    return client.pods().inNamespace(NS).resource(pod).create();
  }

  static Pod get(KubernetesClient client, String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }

  static boolean isReady(Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static HttpResponse<String> getWorker(String podIp, int port, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + podIp + ":" + port + "/worker"))
        .timeout(timeout)
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
