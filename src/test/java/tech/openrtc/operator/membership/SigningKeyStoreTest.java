package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Two operators (leader and standby) starting at once share one signing-key Secret. */
@EnableKubernetesMockClient(crud = true)
class SigningKeyStoreTest {

  private static final String NS = "openrtc-system";

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theLoserOfTheCreateRaceLoadsTheWinnersKeysAndLeavesTheSecretAlone() {
    Instant now = Instant.now();
    SigningKeySet winner = new SigningKeyStore(client, NS).sync(false, now);
    Secret written = secret();

    // The loser looked before the winner's create landed: its read finds nothing, so it creates
    // too and gets 409 Conflict.
    server.expect().get().withPath("/api/v1/namespaces/" + NS + "/secrets/" + SigningKeyStore.SECRET_NAME)
        .andReturn(404, "").once();
    SigningKeySet loser = new SigningKeyStore(client, NS).sync(false, now);

    assertThat(loser.current().kid()).as("the loser signs with the winner's key").isEqualTo(winner.current().kid());
    assertThat(secret().getMetadata().getResourceVersion()).as("Secret not rewritten")
        .isEqualTo(written.getMetadata().getResourceVersion());
    assertThat(secret().getData()).isEqualTo(written.getData());
  }

  private Secret secret() {
    return client.secrets().inNamespace(NS).withName(SigningKeyStore.SECRET_NAME).get();
  }
}
