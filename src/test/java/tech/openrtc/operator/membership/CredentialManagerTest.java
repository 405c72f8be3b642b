package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;

@EnableKubernetesMockClient(crud = true)
class CredentialManagerTest {

  private static final String NS = "voice";
  private static final String REV = "7f9c2b";
  private static final Duration TTL = Duration.ofHours(24);

  KubernetesClient client;

  @Test
  void afterARotationCredentialsKeepTheOldKeyUntilTheNewOneHasBeenPublishedLongEnough() throws Exception {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName("support").withNamespace(NS).withUid("uid-1").build());
    CredentialManager manager = new CredentialManager(client);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    SigningKeySet keys = SigningKeySet.create(t0);
    manager.sync(d, Map.of(REV, "v1"), secrets(), TTL, "support", keys, t0);
    String oldKid = keys.current().kid();
    assertThat(kid()).isEqualTo(oldKid);

    Instant rotatedAt = t0.plusSeconds(600);
    SigningKeySet rotated = keys.rotated(rotatedAt);
    String newKid = rotated.current().kid();
    Optional<Instant> next = manager.sync(d, Map.of(REV, "v1"), secrets(), TTL, "support", rotated, rotatedAt);
    assertThat(kid()).as("pods may not have the JWKS with the new key yet").isEqualTo(oldKid);
    assertThat(next).as("look again when the new key may sign").contains(rotatedAt.plus(SigningKeySet.PUBLISH_DELAY));

    Instant later = rotatedAt.plus(SigningKeySet.PUBLISH_DELAY).plusSeconds(1);
    next = manager.sync(d, Map.of(REV, "v1"), secrets(), TTL, "support", rotated, later);
    assertThat(kid()).isEqualTo(newKid);
    assertThat(next).as("the next renewal, nothing waiting for a key").contains(CredentialManager.renewAt(later, TTL));
  }

  private List<Secret> secrets() {
    return client.secrets().inNamespace(NS).list().getItems();
  }

  /** The kid the credential says it was signed by, checked against the token's own header. */
  private String kid() throws Exception {
    Secret s = client.secrets().inNamespace(NS).withName(CredentialManager.secretName("support", REV)).get();
    String token = new String(Base64.getDecoder().decode(s.getData().get(CredentialManager.TOKEN_KEY)), StandardCharsets.UTF_8);
    String header = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0])).path("kid").asText();
    String annotated = s.getMetadata().getAnnotations().get(CredentialManager.ANNOTATION_KID);
    assertThat(header).isEqualTo(annotated);
    return annotated;
  }
}
