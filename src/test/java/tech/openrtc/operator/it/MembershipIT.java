package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.CredentialManager;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.MembershipVerifier;
import tech.openrtc.operator.membership.SigningKeySet;
import tech.openrtc.operator.membership.SigningKeyStore;
import tech.openrtc.operator.sim.RecordedCall;

/** Signed version credentials and the membership ConfigMap, on the simulated cluster. */
class MembershipIT extends OperatorIT {


  private String token(String deployment, String revision) {
    Secret s = t.user.secrets().inNamespace(NS).withName(CredentialManager.secretName(deployment, revision)).get();
    return s == null ? null : new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
  }

  private Membership membership(String deployment) {
    ConfigMap cm = t.user.configMaps().inNamespace(NS).withName(Membership.configMapName(deployment)).get();
    return Membership.fromConfigMapData(cm.getData());
  }

  @Test
  void eachRevisionGetsACredentialAndMembershipFlipsInThePromotingPass() {
    t.create(deployment("mem", "v1", 2));
    AgentDeployment v1 = t.awaitHealthyAt("mem", "v1", Duration.ofSeconds(20));
    String rev1 = v1.getStatus().getActiveRevision();
    Membership m1 = membership("mem");
    assertThat(m1.activeVersion()).isEqualTo("v1");
    MembershipVerifier.Result r1 = MembershipVerifier.verifyMember(token("mem", rev1), m1, "v1");
    assertThat(r1.ok()).as(r1.message()).isTrue();
    assertThat(r1.subject()).isEqualTo(NS + "/mem");
    assertThat(r1.revision()).isEqualTo(rev1);
    assertThat(t.pods("mem")).allSatisfy(p -> {
      assertThat(p.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getSecret().getSecretName())
          .isEqualTo(CredentialManager.secretName("mem", rev1)));
      assertThat(p.getSpec().getContainers().get(0).getEnv())
          .anySatisfy(e -> assertThat(e.getName()).isEqualTo(Names.ENV_CREDENTIAL_FILE));
    });

    int mark = t.sim.requests().all().size();
    t.setVersion("mem", "v2");
    AgentDeployment v2 = t.awaitHealthyAt("mem", "v2", Duration.ofSeconds(30));
    String rev2 = v2.getStatus().getActiveRevision();
    Membership m2 = membership("mem");
    assertThat(m2.activeVersion()).isEqualTo("v2");
    assertThat(MembershipVerifier.verifyMember(token("mem", rev2), m2, "v2").ok()).isTrue();
    // The old revision's credential no longer makes a member, and is gone with its pods.
    await().atMost(Duration.ofSeconds(10)).until(() -> token("mem", rev1) == null);

    // Membership flipped before any old pod was told to drain.
    List<RecordedCall> after = t.sim.requests().all().subList(mark, t.sim.requests().all().size()).stream()
        .filter(c -> c.userAgentStartsWith(OperatorTestSupport.OPERATOR_UA) && c.isWrite()).toList();
    int firstMembershipWrite = indexOf(after, "patch configmaps");
    int firstDrain = indexOf(after, "patch pods");
    assertThat(firstMembershipWrite).isGreaterThanOrEqualTo(0);
    assertThat(firstMembershipWrite).isLessThan(firstDrain);
  }

  @Test
  void theSigningKeyNeverAppearsInLogsEventsStatusOrConfigMaps() throws Exception {
    List<ch.qos.logback.classic.spi.ILoggingEvent> logged;
    try (CapturedLogs logs = new CapturedLogs()) {
      t.create(deployment("secret", "v1", 1));
      t.awaitHealthyAt("secret", "v1", Duration.ofSeconds(20));
      t.setVersion("secret", "v2");
      t.awaitHealthyAt("secret", "v2", Duration.ofSeconds(20));
      logged = logs.events();
    }
    Secret keySecret = t.user.secrets().inNamespace(AgentOperator.DEFAULT_NAMESPACE).withName(SigningKeyStore.SECRET_NAME).get();
    Map<String, String> decoded = new java.util.HashMap<>();
    keySecret.getData().forEach((k, v) -> decoded.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    SigningKeySet keys = SigningKeySet.fromSecretData(decoded);
    List<String> secrets = new java.util.ArrayList<>();
    for (var key : keys.keys()) {
      secrets.add(Base64.getEncoder().encodeToString(key.privateKey().getEncoded()));
      secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(key.privateKey().getEncoded()));
    }
    // The JWK "d" member of each private key, as stored.
    var stored = new com.fasterxml.jackson.databind.ObjectMapper().readTree(decoded.get(SigningKeySet.SECRET_KEY));
    stored.forEach(e -> secrets.add(e.get("jwk").get("d").asText()));

    StringBuilder visible = new StringBuilder();
    logged.forEach(e -> visible.append(e.getFormattedMessage()).append('\n'));
    visible.append(io.fabric8.kubernetes.client.utils.Serialization.asJson(t.user.v1().events().inNamespace(NS).list()));
    visible.append(io.fabric8.kubernetes.client.utils.Serialization.asJson(t.get("secret")));
    visible.append(io.fabric8.kubernetes.client.utils.Serialization.asJson(t.user.configMaps().inAnyNamespace().list()));
    assertThat(logged).as("log lines captured").isNotEmpty();
    assertThat(secrets).hasSizeGreaterThanOrEqualTo(3);
    for (String s : secrets) {
      assertThat(visible.toString()).doesNotContain(s);
    }
  }

  private static int indexOf(List<RecordedCall> calls, String verbAndResource) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).verbAndResource().equals(verbAndResource)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void aRestartedOldVersionWorkerTakesNoNewCallsAndIsRejected() {
    t.create(deployment("old", "v1", 2));
    t.awaitHealthyAt("old", "v1", Duration.ofSeconds(20));
    var calls = t.sim.calls(NS, "old", tech.openrtc.operator.sim.CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(20))).isPresent();
    io.fabric8.kubernetes.api.model.Pod template = t.pods("old").get(0);

    t.setVersion("old", "v2");
    await().atMost(Duration.ofSeconds(15)).until(() -> "v2".equals(membership("old").activeVersion()));
    // An old-version worker comes back, recreated by hand from its old manifest: same labels,
    // role=active included, same credential, no drain mark, not created by the operator.
    assertThat(template.getMetadata().getLabels()).containsEntry(Names.LABEL_ROLE, Names.ROLE_ACTIVE);
    io.fabric8.kubernetes.api.model.Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName("old-by-hand").withNamespace(NS)
          .withLabels(Map.of(Names.LABEL_DEPLOYMENT, "old",
              Names.LABEL_REVISION, template.getMetadata().getLabels().get(Names.LABEL_REVISION),
              Names.LABEL_VERSION, "v1", Names.LABEL_ROLE, Names.ROLE_ACTIVE))
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
    t.user.pods().inNamespace(NS).resource(copy).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> t.sim.kubelet().worker(NS, "old-by-hand").isPresent());
    for (int i = 0; i < 20; i++) {
      calls.placeCall(Duration.ofSeconds(1));
    }
    assertThat(t.sim.ledger().records()).noneMatch(r -> r.call().pod().equals("old-by-hand"));
    await().atMost(Duration.ofSeconds(10)).until(() -> t.user.v1().events().inNamespace(NS).list().getItems().stream()
        .anyMatch(e -> "worker.rejected".equals(e.getReason()) && e.getMessage().contains("old-by-hand")));
    t.awaitHealthyAt("old", "v2", Duration.ofSeconds(40));
    assertThat(t.pods("old")).noneMatch(p -> p.getMetadata().getName().equals("old-by-hand"));
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void credentialsAreRenewedAfterTwoThirdsOfTheirLifetimeAndSignedWithTheCurrentKey() {
    t.create(deployment("renew", "v1", 1));
    AgentDeployment d = t.awaitHealthyAt("renew", "v1", Duration.ofSeconds(20));
    String rev = d.getStatus().getActiveRevision();
    // Drive the credential manager by hand, with a clock of our own: no operator racing it.
    t.stopOperator();
    SigningKeyStore store = new SigningKeyStore(t.user, AgentOperator.DEFAULT_NAMESPACE);
    SigningKeySet keys = store.sync(false, Instant.now());
    CredentialManager manager = new CredentialManager(t.user);
    Duration ttl = Duration.ofSeconds(90);
    Instant t0 = Instant.now();
    var secrets = (java.util.function.Supplier<List<Secret>>) () -> t.user.secrets().inNamespace(NS)
        .withLabel(Names.LABEL_DEPLOYMENT, "renew").list().getItems();

    // Start from a credential issued at t0 with this lifetime.
    t.user.secrets().inNamespace(NS).withName(CredentialManager.secretName("renew", rev)).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> token("renew", rev) == null);
    manager.sync(d, Map.of(rev, "v1"), secrets.get(), ttl, "renew", keys, t0);
    String first = token("renew", rev);
    manager.sync(d, Map.of(rev, "v1"), secrets.get(), ttl, "renew", keys, t0.plusSeconds(59));
    assertThat(token("renew", rev)).as("not yet due at 59 s of 90").isEqualTo(first);
    manager.sync(d, Map.of(rev, "v1"), secrets.get(), ttl, "renew", keys, t0.plusSeconds(61));
    String renewed = token("renew", rev);
    assertThat(renewed).as("renewed after 2/3 of 90 s").isNotEqualTo(first);

    // Rotation: the new key is published at once and the old token still verifies; credentials
    // keep the old key until the new one has been published long enough, then are re-signed.
    Instant rotatedAt = Instant.now();
    SigningKeySet rotated = store.sync(true, rotatedAt);
    assertThat(rotated.current().kid()).isNotEqualTo(keys.current().kid());
    assertThat(MembershipVerifier.verify(renewed, rotated.jwksJson(), "v1").ok()).isTrue();
    manager.sync(d, Map.of(rev, "v1"), secrets.get(), ttl, "renew", rotated, t0.plusSeconds(62));
    assertThat(token("renew", rev)).as("the new key does not sign yet").isEqualTo(renewed);
    manager.sync(d, Map.of(rev, "v1"), secrets.get(), ttl, "renew", rotated,
        rotatedAt.plus(SigningKeySet.PUBLISH_DELAY).plusSeconds(1));
    String resigned = token("renew", rev);
    assertThat(resigned).isNotEqualTo(renewed);
    assertThat(t.user.secrets().inNamespace(NS).withName(CredentialManager.secretName("renew", rev)).get()
        .getMetadata().getAnnotations()).containsEntry(CredentialManager.ANNOTATION_KID, rotated.current().kid());
    assertThat(MembershipVerifier.verify(resigned, rotated.jwksJson(), "v1").ok()).isTrue();
  }
}
