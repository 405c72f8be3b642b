package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.SimTestSupport.DEPLOYMENT;
import static tech.openrtc.operator.sim.SimTestSupport.NS;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.get;
import static tech.openrtc.operator.sim.SimTestSupport.isReady;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.CredentialIssuer;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.MembershipVerifier.Outcome;
import tech.openrtc.operator.membership.SigningKey;
import tech.openrtc.operator.membership.SigningKeySet;

/**
 * Simulated workers check their mounted credential and the membership as a real worker must:
 * the test plays the operator, writing the credential Secrets and the membership ConfigMap.
 */
class SimMembershipTest {

  private static final int WORKER_PORT = 28083;
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String MEMBERSHIP = Membership.configMapName(DEPLOYMENT);

  private final SigningKeySet keys = SigningKeySet.create(Instant.now());
  private SimCluster sim;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(200))
        .withWorkerPort(WORKER_PORT));
    client = sim.newClient("test-operator");
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  // ---- the operator's side, by hand

  private static String revision(String version) {
    return "rev-" + version; // as SimTestSupport.pod labels them
  }

  private static String secretName(String version) {
    return DEPLOYMENT + "-" + revision(version) + "-credential";
  }

  private String token(SigningKey key, String version, Instant now, Duration ttl) {
    return CredentialIssuer.mint(key, NS + "/" + DEPLOYMENT, DEPLOYMENT, version, revision(version), now, ttl);
  }

  private String token(String version) {
    return token(keys.current(), version, Instant.now(), Duration.ofHours(1));
  }

  private void putCredential(String version, String jwt) {
    Secret secret = new SecretBuilder()
        .withNewMetadata().withName(secretName(version)).withNamespace(NS)
        .addToLabels(Names.LABEL_DEPLOYMENT, DEPLOYMENT).addToLabels(Names.LABEL_REVISION, revision(version))
        .endMetadata()
        .addToData("token", Base64.getEncoder().encodeToString(jwt.getBytes(StandardCharsets.UTF_8)))
        .build();
    client.secrets().inNamespace(NS).resource(secret).createOr(op -> op.update());
  }

  private void putMembership(String active, String... draining) {
    List<Membership.Member> old = java.util.Arrays.stream(draining).map(v -> new Membership.Member(v, revision(v))).toList();
    Membership m = new Membership(active, active == null ? null : revision(active), old, keys.jwksJson());
    ConfigMap cm = new ConfigMapBuilder()
        .withNewMetadata().withName(MEMBERSHIP).withNamespace(NS).addToLabels(Names.LABEL_DEPLOYMENT, DEPLOYMENT).endMetadata()
        .withData(m.toConfigMapData())
        .build();
    client.configMaps().inNamespace(NS).resource(cm).createOr(op -> op.update());
  }

  /** A pod as the operator makes it: the revision's credential and the membership mounted. */
  private static Pod memberPod(String name, String version) {
    return new PodBuilder(pod(name, version, Map.of()))
        .editSpec()
        .addNewVolume().withName("openrtc-credential").withNewSecret().withSecretName(secretName(version)).endSecret().endVolume()
        .addNewVolume().withName("openrtc-membership").withNewConfigMap().withName(MEMBERSHIP).endConfigMap().endVolume()
        .editFirstContainer()
        .addNewVolumeMount().withName("openrtc-credential").withMountPath(Names.CREDENTIAL_DIR).withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("openrtc-membership").withMountPath(Names.MEMBERSHIP_DIR).withReadOnly(true).endVolumeMount()
        .addNewEnv().withName(Names.ENV_CREDENTIAL_FILE).withValue(Names.CREDENTIAL_FILE).endEnv()
        .endContainer()
        .endSpec()
        .build();
  }

  private SimWorker startedWorker(Pod pod) {
    String name = pod.getMetadata().getName();
    create(client, pod);
    await().atMost(WAIT).until(() -> isReady(get(client, name)));
    SimWorker w = sim.kubelet().worker(NS, name).orElseThrow();
    await().atMost(WAIT).until(() -> w.membership() != null);
    return w;
  }

  private static Outcome outcome(SimWorker w) {
    return w.membership() == null ? null : w.membership().outcome();
  }

  // ---- tests

  @Test
  void demotedWorkerKeepsItsCallsAndARestartedOldWorkerTakesNone() {
    putCredential("v1", token("v1"));
    putMembership("v1");
    SimWorker a = startedWorker(memberPod("a", "v1"));
    assertThat(outcome(a)).isEqualTo(Outcome.VALID);
    assertThat(a.membership().revision()).isEqualTo("rev-v1");
    assertThat(a.accepting()).isTrue();
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    Call live = calls.placeCall(Duration.ofMinutes(5)).orElseThrow();
    assertThat(live.pod()).isEqualTo("a");

    // Promotion of v2: the membership flips; the v1 worker stops taking calls but keeps its own.
    putCredential("v2", token("v2"));
    putMembership("v2", "v1");
    await().atMost(WAIT).until(() -> !a.accepting());
    assertThat(outcome(a)).isEqualTo(Outcome.NOT_ACTIVE);
    assertThat(a.draining()).isFalse(); // nobody drained it: membership alone stops it
    assertThat(a.ready()).isTrue();
    assertThat(a.activeCalls()).isEqualTo(1);
    assertThat(calls.placeCall(Duration.ofSeconds(1))).isEmpty();

    SimWorker b = startedWorker(memberPod("b", "v2"));
    assertThat(outcome(b)).isEqualTo(Outcome.VALID);

    // A v1 worker (re)started after the promotion: Ready, but never a member.
    SimWorker old = startedWorker(memberPod("a-restarted", "v1"));
    assertThat(isReady(get(client, "a-restarted"))).isTrue();
    assertThat(outcome(old)).isEqualTo(Outcome.NOT_ACTIVE);
    for (int i = 0; i < 30; i++) {
      assertThat(calls.placeCall(Duration.ofMinutes(1))).map(Call::pod).contains("b");
    }
    assertThat(sim.ledger().records()).noneMatch(r -> r.call().pod().equals("a-restarted"));
    assertThat(sim.ledger().records()).filteredOn(r -> r.call().pod().equals("a")).hasSize(1);
    assertThat(sim.ledger().liveOnPod(NS, "a-restarted")).isZero();
    assertThat(sim.ledger().liveOnPod(NS, "a")).isEqualTo(1);
    assertThat(sim.ledger().cut()).isZero();
  }

  @Test
  void previewWorkerTakesCallsOnlyOncePromoted() {
    putCredential("v1", token("v1"));
    putCredential("v2", token("v2"));
    putMembership("v1");
    startedWorker(memberPod("a", "v1"));
    SimWorker preview = startedWorker(memberPod("b", "v2"));
    assertThat(outcome(preview)).isEqualTo(Outcome.NOT_ACTIVE);
    assertThat(preview.accepting()).isFalse();

    putMembership("v2", "v1");
    await().atMost(WAIT).until(preview::accepting);
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    assertThat(calls.placeCall(Duration.ofSeconds(1))).map(Call::pod).contains("b");
  }

  @Test
  void podWithoutTheMountsIsNotChecked() {
    SimWorker w = startedWorkerUnchecked("plain");
    assertThat(w.membership()).isNull();
    assertThat(w.accepting()).isTrue();
  }

  private SimWorker startedWorkerUnchecked(String name) {
    create(client, pod(name, "v1", Map.of()));
    await().atMost(WAIT).until(() -> isReady(get(client, name)));
    return sim.kubelet().worker(NS, name).orElseThrow();
  }

  @Test
  void missingSecretOrConfigMapMeansNotAMemberUntilTheyAppear() {
    SimWorker w = startedWorker(memberPod("a", "v1"));
    assertThat(outcome(w)).isEqualTo(Outcome.MALFORMED); // no credential yet
    assertThat(w.accepting()).isFalse();
    assertThat(isReady(get(client, "a"))).isTrue(); // readiness does not depend on membership

    putCredential("v1", token("v1"));
    await().atMost(WAIT).until(() -> outcome(w) == Outcome.NOT_ACTIVE); // no membership yet
    putMembership("v1");
    await().atMost(WAIT).until(w::accepting);

    client.secrets().inNamespace(NS).withName(secretName("v1")).delete();
    await().atMost(WAIT).until(() -> !w.accepting());
    assertThat(outcome(w)).isEqualTo(Outcome.MALFORMED);

    // stringData (which a real API server folds into data) is read too.
    Secret s = new SecretBuilder()
        .withNewMetadata().withName(secretName("v1")).withNamespace(NS).addToLabels(Names.LABEL_DEPLOYMENT, DEPLOYMENT)
        .endMetadata().addToStringData("token", token("v1")).build();
    client.secrets().inNamespace(NS).resource(s).create();
    await().atMost(WAIT).until(w::accepting);

    client.configMaps().inNamespace(NS).withName(MEMBERSHIP).delete();
    await().atMost(WAIT).until(() -> !w.accepting());
    assertThat(outcome(w)).isEqualTo(Outcome.NOT_ACTIVE);
  }

  @Test
  void credentialNotSignedByAPublishedKeyIsNotAMember() {
    SigningKey stranger = SigningKey.generate(Instant.now());
    putCredential("v1", token(stranger, "v1", Instant.now(), Duration.ofHours(1)));
    putMembership("v1");
    SimWorker w = startedWorker(memberPod("a", "v1"));
    assertThat(outcome(w)).isEqualTo(Outcome.UNKNOWN_KID);
    assertThat(w.accepting()).isFalse();

    // A credential for another version than the worker's own.
    putCredential("v1", token("v9"));
    await().atMost(WAIT).until(() -> outcome(w) == Outcome.WRONG_VERSION);
    assertThat(w.accepting()).isFalse();

    putCredential("v1", token("v1"));
    await().atMost(WAIT).until(w::accepting);
  }

  @Test
  void expiringCredentialStopsNewCallsAndARenewalBringsThemBack() {
    putCredential("v1", token(keys.current(), "v1", Instant.now(), Duration.ofSeconds(2)));
    putMembership("v1");
    SimWorker w = startedWorker(memberPod("a", "v1"));
    assertThat(outcome(w)).isEqualTo(Outcome.VALID);
    await().atMost(Duration.ofSeconds(6)).until(() -> outcome(w) == Outcome.EXPIRED);
    assertThat(w.accepting()).isFalse();

    putCredential("v1", token("v1"));
    await().atMost(WAIT).until(w::accepting);
  }

  @Test
  void rotatedSigningKeyKeepsOldCredentialsValid() {
    putCredential("v1", token("v1"));
    putMembership("v1");
    SimWorker w = startedWorker(memberPod("a", "v1"));
    assertThat(w.accepting()).isTrue();

    // The operator rotates: the membership now publishes both keys; the old token still verifies.
    SigningKeySet rotated = keys.rotated(Instant.now());
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(MEMBERSHIP).get();
    cm.getData().put(Membership.JWKS, rotated.jwksJson());
    client.configMaps().inNamespace(NS).resource(cm).update();
    await().atMost(WAIT).until(() -> rotated.jwksJson().equals(
        client.configMaps().inNamespace(NS).withName(MEMBERSHIP).get().getData().get(Membership.JWKS)));
    // Give the kubelet a moment to deliver it, then the worker must still be a member.
    await().pollDelay(Duration.ofMillis(300)).atMost(WAIT).until(() -> outcome(w) == Outcome.VALID);
    putCredential("v1", CredentialIssuer.mint(rotated.current(), NS + "/" + DEPLOYMENT, DEPLOYMENT, "v1",
        revision("v1"), Instant.now(), Duration.ofHours(1)));
    await().pollDelay(Duration.ofMillis(300)).atMost(WAIT).until(() -> outcome(w) == Outcome.VALID);
    assertThat(w.accepting()).isTrue();
  }

  @Test
  void oneWatchPerKindForTheWholeCluster() {
    putCredential("v1", token("v1"));
    putMembership("v1");
    for (String name : List.of("a", "b", "c", "d")) {
      create(client, memberPod(name, "v1"));
    }
    await().atMost(WAIT).until(() -> sim.kubelet().workers().size() == 4
        && sim.kubelet().workers().stream().allMatch(SimWorker::accepting));
    putMembership("v2");
    await().atMost(WAIT).until(() -> sim.kubelet().workers().stream().noneMatch(SimWorker::accepting));

    Map<String, Long> kubelet = sim.requests().countsByVerbAndResource(SimKubelet.USER_AGENT);
    assertThat(kubelet)
        .containsEntry("list secrets", 1L).containsEntry("watch secrets", 1L)
        .containsEntry("list configmaps", 1L).containsEntry("watch configmaps", 1L)
        .doesNotContainKeys("get secrets", "get configmaps");
    // The sim only reads them.
    assertThat(sim.requests().writes(c -> c.userAgentStartsWith(SimCluster.USER_AGENT)
        && (c.resource().equals("secrets") || c.resource().equals("configmaps")))).isZero();
  }
}
