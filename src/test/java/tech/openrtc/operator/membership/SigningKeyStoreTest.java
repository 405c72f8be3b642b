package tech.openrtc.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Two operators (leader and standby) share one signing-key Secret, and the API server fails now and
 * then: the keys in use are the Secret's, unless the Secret cannot exist at all.
 */
@EnableKubernetesMockClient(crud = true)
class SigningKeyStoreTest {

  private static final String NS = "openrtc-system";
  private static final String PATH = "/api/v1/namespaces/" + NS + "/secrets/" + SigningKeyStore.SECRET_NAME;

  KubernetesMockServer server;
  KubernetesClient client;
  /** Without the client's own retries, so one failed answer reaches the store. */
  KubernetesClient noRetry;
  private final Logger storeLog = (Logger) LoggerFactory.getLogger(SigningKeyStore.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void setUp() {
    noRetry = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build();
    logs.start();
    storeLog.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    storeLog.detachAppender(logs);
    noRetry.close();
  }

  @Test
  void theLoserOfTheCreateRaceLoadsTheWinnersKeysAndLeavesTheSecretAlone() {
    Instant now = Instant.now();
    SigningKeySet winner = new SigningKeyStore(client, NS).sync(false, now);
    Secret written = secret();

    // The loser looked before the winner's create landed: its read finds nothing, so it creates
    // too and gets 409 Conflict.
    server.expect().get().withPath(PATH).andReturn(404, "").once();
    SigningKeySet loser = new SigningKeyStore(client, NS).sync(false, now);

    assertThat(loser.current().kid()).as("the loser signs with the winner's key").isEqualTo(winner.current().kid());
    assertThat(kids(loser)).isEqualTo(kids(stored()));
    assertThat(secret().getMetadata().getResourceVersion()).as("Secret not rewritten")
        .isEqualTo(written.getMetadata().getResourceVersion());
    assertThat(secret().getData()).isEqualTo(written.getData());
  }

  @Test
  void theLoserOfARotationRaceLoadsTheWinnersRotatedKeys() {
    Instant t0 = Instant.now();
    SigningKeyStore winner = new SigningKeyStore(client, NS);
    winner.sync(false, t0);
    SigningKeyStore loser = new SigningKeyStore(client, NS);
    loser.sync(false, t0);
    client.secrets().inNamespace(NS).withName(SigningKeyStore.SECRET_NAME)
        .edit(s -> new SecretBuilder(s).editMetadata().addToAnnotations(SigningKeyStore.ROTATE_ANNOTATION, "true")
            .endMetadata().build());
    Secret asleepRead = secret();
    Instant t1 = t0.plusSeconds(600);
    SigningKeySet rotated = winner.sync(false, t1);
    assertThat(rotated.keys()).hasSize(2);
    String written = secret().getMetadata().getResourceVersion();

    // The other replica's periodic sync read the Secret before the winner's rotation; its own
    // rotation then conflicts.
    server.expect().get().withPath(PATH).andReturn(200, asleepRead).once();
    server.expect().put().withPath(PATH).andReturn(409, status(409, "Conflict")).once();
    SigningKeySet loaded = loser.sync(false, t1.plusSeconds(1));

    assertThat(kids(loaded)).as("the winner's keys, at once").isEqualTo(kids(rotated)).isEqualTo(kids(stored()));
    assertThat(loaded.keys()).extracting(SigningKey::retiredAt)
        .containsExactlyElementsOf(rotated.keys().stream().map(SigningKey::retiredAt).toList());
    assertThat(secret().getMetadata().getResourceVersion()).as("not rotated twice").isEqualTo(written);
  }

  @Test
  void aServerErrorOnALaterSyncKeepsTheLoadedKeys() {
    SigningKeyStore store = new SigningKeyStore(noRetry, NS);
    Instant t0 = Instant.now();
    String kid = store.sync(false, t0).current().kid();
    String written = secret().getMetadata().getResourceVersion();

    server.expect().get().withPath(PATH).andReturn(500, status(500, "InternalError")).once();
    SigningKeySet during = store.sync(true, t0.plusSeconds(60));

    assertThat(during.keys()).extracting(SigningKey::kid).as("nothing new in memory").containsExactly(kid);
    assertThat(store.keys().keys()).extracting(SigningKey::kid).containsExactly(kid);
    assertThat(secret().getMetadata().getResourceVersion()).isEqualTo(written);
    assertThat(messages()).noneMatch(m -> m.contains("kept in memory"));
    // The next sync reaches the Secret again.
    assertThat(store.sync(false, t0.plusSeconds(120)).keys()).extracting(SigningKey::kid).containsExactly(kid);
  }

  @Test
  void firstStartRetriesServerErrorsThenUsesTheSecret() {
    SigningKeySet stored = new SigningKeyStore(client, NS).sync(false, Instant.now());
    server.expect().get().withPath(PATH).andReturn(503, status(503, "ServiceUnavailable"))
        .times(SigningKeyStore.START_ATTEMPTS - 1);

    SigningKeySet loaded = new SigningKeyStore(noRetry, NS, Duration.ofMillis(1)).sync(false, Instant.now());

    assertThat(kids(loaded)).isEqualTo(kids(stored));
  }

  @Test
  void firstStartFailsRatherThanInventKeysWhenTheServerKeepsFailing() {
    server.expect().get().withPath(PATH).andReturn(500, status(500, "InternalError")).always();
    SigningKeyStore store = new SigningKeyStore(noRetry, NS, Duration.ofMillis(1));

    assertThatThrownBy(() -> store.sync(false, Instant.now())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("signing keys not loaded").hasMessageContaining("HTTP 500");
    assertThatThrownBy(store::keys).isInstanceOf(IllegalStateException.class);
    assertThat(server.getRequestCount()).isGreaterThanOrEqualTo(SigningKeyStore.START_ATTEMPTS);
  }

  @Test
  void forbiddenFallsBackToMemoryAndSaysSoOnce() {
    server.expect().get().withPath(PATH).andReturn(403, status(403, "Forbidden")).always();
    assertKeptInMemoryAndSaidOnce("forbidden");
  }

  @Test
  void aMissingNamespaceFallsBackToMemoryAndSaysSoOnce() {
    // The API server answers 404 to a create in a namespace that does not exist.
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/secrets")
        .andReturn(404, status(404, "NotFound")).always();
    assertKeptInMemoryAndSaidOnce("namespace " + NS + " does not exist");
  }

  /** Four syncs a minute apart keep one in-memory key, and the fallback is logged once, saying why. */
  private void assertKeptInMemoryAndSaidOnce(String why) {
    SigningKeyStore store = new SigningKeyStore(noRetry, NS);
    Instant t0 = Instant.now();

    String kid = store.sync(false, t0).current().kid();
    for (int i = 1; i <= 3; i++) {
      assertThat(store.sync(false, t0.plusSeconds(60L * i)).current().kid()).isEqualTo(kid);
    }

    assertThat(messages()).filteredOn(m -> m.contains("kept in memory")).hasSize(1).allMatch(m -> m.contains(why));
  }

  private Secret secret() {
    return client.secrets().inNamespace(NS).withName(SigningKeyStore.SECRET_NAME).get();
  }

  private SigningKeySet stored() {
    return new SigningKeyStore(client, NS).sync(false, Instant.now());
  }

  private static List<String> kids(SigningKeySet set) {
    return set.keys().stream().map(SigningKey::kid).toList();
  }

  private List<String> messages() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static Status status(int code, String reason) {
    return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(reason).build();
  }
}
