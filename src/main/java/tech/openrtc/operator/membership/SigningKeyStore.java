package tech.openrtc.operator.membership;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;

/**
 * The operator's signing keys live in Secret {@value #SECRET_NAME} in its own namespace, created
 * with a fresh key on first start. Rotation ({@code run --rotate-signing-key}, or annotation
 * {@value #ROTATE_ANNOTATION}{@code =true} on the Secret) adds a key that signs from then on;
 * retired keys stay published for {@link #RETIRED_KEY_RETENTION}, long after the reconciler has
 * re-signed every credential with the new key.
 */
public class SigningKeyStore {

  public static final String SECRET_NAME = "openrtc-operator-signing-keys";
  public static final String ROTATE_ANNOTATION = Names.PREFIX + "rotate";
  public static final Duration RETIRED_KEY_RETENTION = Duration.ofHours(24);
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeyStore.class);

  private final KubernetesClient client;
  private final String namespace;
  private volatile SigningKeySet keys;

  public SigningKeyStore(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  public String namespace() {
    return namespace;
  }

  public SigningKeySet keys() {
    SigningKeySet k = keys;
    if (k == null) {
      throw new IllegalStateException("signing keys not loaded");
    }
    return k;
  }

  /**
   * Loads the key set, creating, rotating or pruning it as needed; writes the Secret only on
   * change. When the Secret cannot be read or written (no such namespace, no permission there),
   * the operator keeps working with keys held in memory and tries again on the next sync; a
   * later operator then re-signs every credential with its own key.
   */
  public synchronized SigningKeySet sync(boolean rotate, Instant now) {
    try {
      return syncSecret(rotate, now);
    } catch (KubernetesClientException e) {
      if (keys == null || rotate) {
        keys = keys == null ? SigningKeySet.create(now) : keys.rotated(now);
      }
      LOG.warn("signing keys kept in memory: Secret {}/{} not usable (HTTP {}): set OPERATOR_NAMESPACE to a"
          + " namespace the operator may write Secrets in", namespace, SECRET_NAME, e.getCode());
      return keys;
    }
  }

  private SigningKeySet syncSecret(boolean rotate, Instant now) {
    Secret secret = client.secrets().inNamespace(namespace).withName(SECRET_NAME).get();
    if (secret == null) {
      SigningKeySet created = SigningKeySet.create(now);
      try {
        client.secrets().inNamespace(namespace).resource(secretOf(created, null)).create();
        LOG.info("created signing key {} in Secret {}/{}", created.current().kid(), namespace, SECRET_NAME);
        keys = created;
        return created;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        secret = client.secrets().inNamespace(namespace).withName(SECRET_NAME).get();
      }
    }
    SigningKeySet loaded = SigningKeySet.fromSecretData(decode(secret.getData()));
    boolean rotateRequested = rotate || "true".equals(annotation(secret, ROTATE_ANNOTATION));
    SigningKeySet next = (rotateRequested ? loaded.rotated(now) : loaded).pruned(now, RETIRED_KEY_RETENTION);
    boolean changed = rotateRequested || next.keys().size() != loaded.keys().size();
    if (changed) {
      Secret updated = secretOf(next, secret);
      updated.getMetadata().getAnnotations().remove(ROTATE_ANNOTATION);
      // Update with the resourceVersion read: a concurrent writer makes this fail, not overwrite.
      client.secrets().inNamespace(namespace).resource(updated).update();
      if (rotateRequested) {
        LOG.info("rotated signing key: {} signs from now on", next.current().kid());
      }
    }
    keys = next;
    return next;
  }

  private Secret secretOf(SigningKeySet set, Secret existing) {
    Map<String, String> data = new HashMap<>();
    set.toSecretData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    SecretBuilder b = existing == null ? new SecretBuilder().withNewMetadata().withName(SECRET_NAME)
        .withNamespace(namespace).addToLabels("app.kubernetes.io/name", "openrtc-operator").endMetadata()
        : new SecretBuilder(existing);
    Secret s = b.withType("Opaque").withData(data).build();
    if (s.getMetadata().getAnnotations() == null) {
      s.getMetadata().setAnnotations(new HashMap<>());
    }
    return s;
  }

  private static Map<String, String> decode(Map<String, String> data) {
    Map<String, String> out = new HashMap<>();
    if (data != null) {
      data.forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return out;
  }

  private static String annotation(Secret s, String key) {
    return s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(key);
  }
}
