package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.sim.SimCluster;

/** The operator's one HTTP port: health, readiness and the published verification keys. */
class OperatorHttpIT {

  @Test
  void servesHealthReadinessAndJwks() throws Exception {
    try (SimCluster sim = SimCluster.start()) {
      KubernetesClient client = sim.newClient("openrtc-operator");
      try (AgentOperator operator = AgentOperator.start(client, Set.of(), 0, "openrtc-system", false)) {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + operator.httpPort();
        assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);
        HttpResponse<String> jwks = get(http, base + "/.well-known/jwks.json");
        assertThat(jwks.statusCode()).isEqualTo(200);
        String kid = operator.signingKeys().keys().current().kid();
        assertThat(jwks.body()).contains("\"keys\"").contains(kid).doesNotContain("\"d\"");
      }
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
