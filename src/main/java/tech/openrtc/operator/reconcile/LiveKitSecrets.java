package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.drain.LiveKitCredentials;

/**
 * Resolves {@code spec.livekit} to credentials from the Secret it names, in the AgentDeployment's
 * namespace. Problems come back as a message naming the Secret and key, never a value.
 */
final class LiveKitSecrets {

  static final String DEFAULT_API_KEY_KEY = "api-key";
  static final String DEFAULT_API_SECRET_KEY = "api-secret";

  private final KubernetesClient client;

  LiveKitSecrets(KubernetesClient client) {
    this.client = client;
  }

  LiveKitAccess resolve(AgentDeployment resource) {
    LiveKitSpec livekit = resource.getSpec().getLivekit();
    if (livekit == null) {
      return LiveKitAccess.none();
    }
    SecretRef ref = livekit.getSecretRef();
    String namespace = resource.getMetadata().getNamespace();
    String where = "Secret " + namespace + "/" + ref.getName();
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    } catch (KubernetesClientException e) {
      return LiveKitAccess.unavailable(where + " cannot be read (HTTP " + e.getCode() + ")");
    }
    if (secret == null) {
      return LiveKitAccess.unavailable(where + " not found");
    }
    String keyKey = orDefault(ref.getApiKeyKey(), DEFAULT_API_KEY_KEY);
    String secretKey = orDefault(ref.getApiSecretKey(), DEFAULT_API_SECRET_KEY);
    String apiKey;
    String apiSecret;
    try {
      apiKey = value(secret, keyKey);
      apiSecret = value(secret, secretKey);
    } catch (IllegalArgumentException e) {
      return LiveKitAccess.unavailable(where + ": " + e.getMessage());
    }
    if (apiKey == null || apiSecret == null) {
      return LiveKitAccess.unavailable(where + " has no non-empty key " + (apiKey == null ? keyKey : secretKey));
    }
    return LiveKitAccess.of(new LiveKitCredentials(livekit.getUrl(), apiKey, apiSecret));
  }

  /** data (base64) first, then stringData as a cluster that has not converted it yet would hold it. */
  private static String value(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(data.get(key).trim());
      } catch (IllegalArgumentException e) {
        // The message of the decoder may quote the bad input: keep it out.
        throw new IllegalArgumentException("key " + key + " is not valid base64");
      }
      String v = new String(decoded, StandardCharsets.UTF_8).trim();
      return v.isEmpty() ? null : v;
    }
    Map<String, String> stringData = secret.getStringData();
    if (stringData != null && stringData.get(key) != null && !stringData.get(key).isBlank()) {
      return stringData.get(key).trim();
    }
    return null;
  }

  private static String orDefault(String v, String def) {
    return v == null || v.isBlank() ? def : v;
  }
}
