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
 * {@value #ROTATE_ANNOTATION}{@code =true} on the Secret) adds a key that is published at once and
 * signs {@link SigningKeySet#PUBLISH_DELAY} later; retired keys stay published for {@link
 * #RETIRED_KEY_RETENTION} after they stop signing, long after the reconciler has re-signed every
 * credential with the new key.
 */
public class SigningKeyStore {

  public static final String SECRET_NAME = "openrtc-operator-signing-keys";
  public static final String ROTATE_ANNOTATION = Names.PREFIX + "rotate";
  public static final Duration RETIRED_KEY_RETENTION = Duration.ofHours(24);
  /** Tries on first start before giving up; later syncs keep the keys they have instead. */
  static final int START_ATTEMPTS = 4;
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeyStore.class);

  private final KubernetesClient client;
  private volatile Duration publishDelay = SigningKeySet.PUBLISH_DELAY;
  private final String namespace;
  private final Duration startBackoff;
  private volatile SigningKeySet keys;
  /** The in-memory fallback was logged; said again only after the Secret worked in between. */
  private boolean saidInMemory;

  public SigningKeyStore(KubernetesClient client, String namespace) {
    this(client, namespace, Duration.ofSeconds(1));
  }

  /** @param startBackoff the first wait between tries on first start; it doubles each time */
  SigningKeyStore(KubernetesClient client, String namespace, Duration startBackoff) {
    this.client = client;
    this.namespace = namespace;
    this.startBackoff = startBackoff;
  }

  public String namespace() {
    return namespace;
  }

  public SigningKeySet keys() {
    SigningKeySet k = keys;
    if (k == null) {
      throw new IllegalStateException("signing keys not loaded");
    }
    return k.withPublishDelay(publishDelay);
  }

  /**
   * How long a new key is published before it signs ({@link SigningKeySet#PUBLISH_DELAY} unless
   * set): longer than the kubelets take to refresh a ConfigMap volume.
   */
  public SigningKeyStore publishDelay(Duration delay) {
    this.publishDelay = delay;
    return this;
  }

  /**
   * Loads the key set, creating, rotating or pruning it as needed; writes the Secret only on
   * change. Keys never differ from the Secret's by accident:
   * <ul>
   *   <li>another replica writing first (409): its keys are used;</li>
   *   <li>a transient failure (5xx, timeout): the keys loaded before are kept and the next sync
   *       tries again; on first start, a few tries, then an exception;</li>
   *   <li>only where the Secret cannot live (its namespace missing, or 403 forbidden) does the
   *       operator work with keys held in memory; a later operator re-signs every credential
   *       with its own key.</li>
   * </ul>
   *
   * @throws IllegalStateException on first start, when no try could load the keys
   */
  public synchronized SigningKeySet sync(boolean rotate, Instant now) {
    load(rotate, now);
    return keys();
  }

  private SigningKeySet load(boolean rotate, Instant now) {
    for (int attempt = 1; ; attempt++) {
      try {
        keys = syncSecret(rotate, now);
        saidInMemory = false;
        return keys;
      } catch (SecretUnusable e) {
        return inMemory(rotate, now, e.getMessage());
      } catch (KubernetesClientException e) {
        if (e.getCode() == 403) {
          return inMemory(rotate, now, "forbidden (HTTP 403)");
        }
        if (keys != null) {
          LOG.warn("signing keys unchanged: Secret {}/{} not synced (HTTP {}: {}); trying again on the next sync",
              namespace, SECRET_NAME, e.getCode(), e.getMessage());
          return keys;
        }
        if (attempt == START_ATTEMPTS) {
          throw new IllegalStateException("signing keys not loaded: Secret " + namespace + "/" + SECRET_NAME
              + " not usable after " + attempt + " tries (HTTP " + e.getCode() + ")", e);
        }
        Duration wait = startBackoff.multipliedBy(1L << (attempt - 1));
        LOG.warn("signing keys not loaded yet (HTTP {}: {}); trying again in {} ms", e.getCode(), e.getMessage(),
            wait.toMillis());
        sleep(wait);
      }
    }
  }

  private SigningKeySet inMemory(boolean rotate, Instant now, String why) {
    if (keys == null) {
      keys = SigningKeySet.create(now);
    } else if (rotate) {
      keys = keys.rotated(now);
    }
    if (!saidInMemory) {
      saidInMemory = true;
      LOG.warn("signing keys kept in memory: Secret {}/{} not usable ({}): set OPERATOR_NAMESPACE to a"
          + " namespace the operator may write Secrets in", namespace, SECRET_NAME, why);
    }
    return keys;
  }

  private SigningKeySet syncSecret(boolean rotate, Instant now) {
    Secret secret = get();
    if (secret == null) {
      SigningKeySet created = SigningKeySet.create(now);
      try {
        client.secrets().inNamespace(namespace).resource(secretOf(created, null)).create();
        LOG.info("created signing key {} in Secret {}/{}", created.current().kid(), namespace, SECRET_NAME);
        return created;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          // A create answers 404 only when the namespace does not exist.
          throw new SecretUnusable("namespace " + namespace + " does not exist");
        }
        if (e.getCode() != 409) {
          throw e;
        }
        // Another replica created it first: use its keys.
        secret = required(get());
      }
    }
    try {
      return applyTo(secret, rotate, now);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Another replica rotated or pruned first: start again from what it wrote. A second
      // conflict is left to the next sync, like any transient failure.
      return applyTo(required(get()), rotate, now);
    }
  }

  /** The Secret's keys, with the rotation and pruning due applied and written back if any. */
  private SigningKeySet applyTo(Secret secret, boolean rotate, Instant now) {
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
        LOG.info("rotated signing key: {} published now, signs from {}", next.current().kid(),
            next.current().createdAt().plus(SigningKeySet.PUBLISH_DELAY));
      }
    }
    return next;
  }

  private Secret get() {
    return client.secrets().inNamespace(namespace).withName(SECRET_NAME).get();
  }

  /** A Secret that was there a moment ago; gone again is a transient failure, retried like one. */
  private Secret required(Secret secret) {
    if (secret == null) {
      throw new KubernetesClientException("Secret " + namespace + "/" + SECRET_NAME + " vanished after a conflict");
    }
    return secret;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading signing keys", e);
    }
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

  /** The Secret cannot exist where it should: no way but keys held in memory. */
  private static final class SecretUnusable extends RuntimeException {
    SecretUnusable(String message) {
      super(message, null, false, false);
    }
  }
}
