package tech.openrtc.operator.membership;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Times;

/**
 * One signed version credential per live revision, in Secret {@code <name>-<revision>-credential}
 * (key {@code token}), mounted into that revision's pods. Renewed when 2/3 of its lifetime has
 * passed or when it was signed by another key than {@link SigningKeySet#signer}; deleted when its
 * revision is gone.
 */
public class CredentialManager {

  public static final String TOKEN_KEY = "token";
  public static final String ANNOTATION_ISSUED_AT = Names.PREFIX + "credential-issued-at";
  public static final String ANNOTATION_EXPIRES_AT = Names.PREFIX + "credential-expires-at";
  public static final String ANNOTATION_KID = Names.PREFIX + "credential-kid";

  private final KubernetesClient client;

  public CredentialManager(KubernetesClient client) {
    this.client = client;
  }

  public static String secretName(String deployment, String revision) {
    return deployment + "-" + revision + "-credential";
  }

  /** When a credential issued at {@code issuedAt} with lifetime {@code ttl} is renewed. */
  static Instant renewAt(Instant issuedAt, Duration ttl) {
    return issuedAt.plus(ttl.multipliedBy(2).dividedBy(3));
  }

  /**
   * Makes the credentials match the live revisions ({@code revision -> version}).
   *
   * @return when the next renewal is due (or a new key starts signing), if any credential remains
   */
  public Optional<Instant> sync(AgentDeployment d, Map<String, String> live, Collection<Secret> existing,
      Duration ttl, String audience, SigningKeySet keys, Instant now) {
    String name = d.getMetadata().getName();
    Instant next = null;
    SigningKey signer = keys.signer(now);
    for (Map.Entry<String, String> rev : live.entrySet()) {
      Secret current = find(existing, secretName(name, rev.getKey()));
      Instant issued = current == null ? null : Times.parse(annotation(current, ANNOTATION_ISSUED_AT));
      boolean due = current == null || issued == null || !now.isBefore(renewAt(issued, ttl))
          || !Objects.equals(annotation(current, ANNOTATION_KID), signer.kid());
      if (due) {
        write(d, rev.getKey(), rev.getValue(), current, ttl, audience, signer, now);
        issued = now;
      }
      Instant renew = renewAt(issued, ttl);
      next = next == null || renew.isBefore(next) ? renew : next;
    }
    // A new key published but not signing yet: look again when it may, to re-sign with it.
    Optional<Instant> newSigner = keys.nextSignerAt(now);
    if (next != null && newSigner.isPresent() && newSigner.get().isBefore(next)) {
      next = newSigner.get();
    }
    for (Secret s : existing) {
      String revision = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(Names.LABEL_REVISION);
      if (revision != null && s.getMetadata().getName().equals(secretName(name, revision)) && !live.containsKey(revision)) {
        client.secrets().inNamespace(d.getMetadata().getNamespace()).resource(s).delete();
      }
    }
    return Optional.ofNullable(next);
  }

  private void write(AgentDeployment d, String revision, String version, Secret current, Duration ttl,
      String audience, SigningKey key, Instant now) {
    String token = CredentialIssuer.mint(key, d.key(), audience, version, revision, now, ttl);
    String data = Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    Map<String, String> annotations = Map.of(
        ANNOTATION_ISSUED_AT, Times.format(now),
        ANNOTATION_EXPIRES_AT, Times.format(now.plus(ttl)),
        ANNOTATION_KID, key.kid());
    String ns = d.getMetadata().getNamespace();
    if (current != null) {
      Map<String, Object> patch = Map.of("metadata", Map.of("annotations", annotations), "data", Map.of(TOKEN_KEY, data));
      client.secrets().inNamespace(ns).resource(current).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
      return;
    }
    Secret secret = new SecretBuilder()
        .withNewMetadata()
          .withName(secretName(d.getMetadata().getName(), revision))
          .withNamespace(ns)
          .addToLabels(Names.LABEL_DEPLOYMENT, d.getMetadata().getName())
          .addToLabels(Names.LABEL_REVISION, revision)
          .addToLabels(Names.LABEL_VERSION, version)
          .withAnnotations(annotations)
          .withOwnerReferences(d.controllerReference())
        .endMetadata()
        .withType("Opaque")
        .addToData(TOKEN_KEY, data)
        .build();
    try {
      client.secrets().inNamespace(ns).resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private static Secret find(Collection<Secret> secrets, String name) {
    return secrets.stream().filter(s -> name.equals(s.getMetadata().getName())).findFirst().orElse(null);
  }

  private static String annotation(Secret s, String key) {
    return s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(key);
  }
}
