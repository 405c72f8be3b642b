package tech.openrtc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.drain.LiveKitCredentials;

@EnableKubernetesMockClient(crud = true)
class LiveKitSecretsTest {

  static final String SECRET_VALUE = "s3cret-value-never-shown-anywhere";
  KubernetesClient client;

  private static AgentDeployment withLiveKit(String secretName, String keyKey, String secretKey) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName("support").withNamespace("voice").build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    LiveKitSpec livekit = new LiveKitSpec();
    livekit.setUrl("wss://livekit.example.com");
    SecretRef ref = new SecretRef();
    ref.setName(secretName);
    ref.setApiKeyKey(keyKey);
    ref.setApiSecretKey(secretKey);
    livekit.setSecretRef(ref);
    spec.setLivekit(livekit);
    d.setSpec(spec);
    return d;
  }

  private void secret(String name, String key, String value) {
    client.secrets().inNamespace("voice").resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace("voice").endMetadata()
        .addToData("api-key", b64("APIkey"))
        .addToData(key, value)
        .build()).create();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void resolvesTheKeysFromBase64DataWithDefaultKeyNames() {
    secret("livekit", "api-secret", b64(SECRET_VALUE));
    LiveKitAccess access = new LiveKitSecrets(client).resolve(withLiveKit("livekit", null, null));
    assertThat(access.available()).isTrue();
    assertThat(access.credentials()).isEqualTo(new LiveKitCredentials("wss://livekit.example.com", "APIkey", SECRET_VALUE));
    assertThat(access.credentials().httpUrl()).isEqualTo("https://livekit.example.com/");
    assertThat(access.toString()).doesNotContain(SECRET_VALUE);
  }

  @Test
  void aMissingSecretAKeyOrABadValueIsAClearProblemWithoutTheValue() {
    LiveKitSecrets secrets = new LiveKitSecrets(client);
    assertThat(secrets.resolve(withLiveKit("absent", null, null)).unavailable())
        .isEqualTo("Secret voice/absent not found");

    secret("nokey", "other", b64(SECRET_VALUE));
    assertThat(secrets.resolve(withLiveKit("nokey", "api-key", "api-secret")).unavailable())
        .isEqualTo("Secret voice/nokey has no non-empty key api-secret");

    secret("bad", "api-secret", "%%" + SECRET_VALUE + "%%");
    LiveKitAccess bad = secrets.resolve(withLiveKit("bad", null, null));
    assertThat(bad.available()).isFalse();
    assertThat(bad.unavailable()).isEqualTo("Secret voice/bad: key api-secret is not valid base64")
        .doesNotContain(SECRET_VALUE);
  }

  @Test
  void noLiveKitSpecNeedsNoSecret() {
    AgentDeployment d = withLiveKit("x", null, null);
    d.getSpec().setLivekit(null);
    assertThat(new LiveKitSecrets(client).resolve(d)).isEqualTo(LiveKitAccess.none());
  }

  @Test
  void wsUrlsAreReadOverHttp() {
    assertThat(new LiveKitCredentials("ws://127.0.0.1:7880", "k", "s").httpUrl()).isEqualTo("http://127.0.0.1:7880/");
    assertThat(new LiveKitCredentials("WSS://lk.example.com/", "k", "s").httpUrl()).isEqualTo("https://lk.example.com/");
    assertThat(new LiveKitCredentials("https://lk.example.com", "k", "s").httpUrl()).isEqualTo("https://lk.example.com/");
  }
}
