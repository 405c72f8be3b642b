package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.CredentialManager;
import tech.openrtc.operator.membership.MembershipVerifier.Outcome;
import tech.openrtc.operator.sim.SimOptions;
import tech.openrtc.operator.sim.SimOptions.Propagation;
import tech.openrtc.operator.sim.SimWorker;

/**
 * Key rotation on kubelets that refresh ConfigMap volumes (the JWKS) later than Secret volumes (the
 * credential): a worker must never hold a credential signed by a key its jwks.json does not list.
 * The scale is shrunk (volumes seconds late instead of a minute, the publish delay to match); the
 * control run with no publish delay shows the checker catches the violation.
 */
class KeyRotationPropagationIT {

  private static final Propagation SLOW_CONFIGMAPS =
      new Propagation(Duration.ofSeconds(1), Duration.ofSeconds(6), Duration.ofSeconds(1));

  private OperatorTestSupport t;
  private AgentOperator operator;
  private KubernetesClient operatorClient;
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    sampler.shutdownNow();
    if (operator != null) {
      operator.close();
      operatorClient.close();
    }
    t.close();
  }

  /** Rotates the key and returns every moment a worker's credential named a kid its JWKS lacked. */
  private List<String> rotateAndWatch(Duration publishDelay) {
    t = OperatorTestSupport.startWithoutOperator(
        SimOptions.defaults().withStartupDelay(Duration.ofMillis(300)).withPropagation(SLOW_CONFIGMAPS));
    operatorClient = t.sim.newClient(OperatorTestSupport.OPERATOR_UA);
    operator = AgentOperator.start(operatorClient, Set.of(), -1, AgentOperator.DEFAULT_NAMESPACE, false, null,
        publishDelay);
    t.create(deployment("keys", "v1", 2));
    t.awaitHealthyAt("keys", "v1", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(10)).until(() -> workers().size() == 2
        && workers().stream().allMatch(w -> w.credential() != null && w.credential().ok()));

    List<String> violations = new CopyOnWriteArrayList<>();
    sampler.scheduleAtFixedRate(() -> workers().stream()
        .filter(w -> w.credential() != null && w.credential().outcome() == Outcome.UNKNOWN_KID)
        .forEach(w -> violations.add(w.podName() + ": " + w.credential().message())), 0, 50, TimeUnit.MILLISECONDS);

    operator.rotateSigningKey();
    String newKid = operator.signingKeys().keys().current().kid();
    // Every credential is re-signed by the new key, and every worker's files show it, verified.
    await().atMost(publishDelay.plus(Duration.ofSeconds(20))).until(() -> credentialKids().equals(Set.of(newKid))
        && workers().stream().allMatch(w -> w.credential() != null && w.credential().ok()));
    // Past the slowest volume refresh, so a late violation would be seen too.
    await().pollDelay(SLOW_CONFIGMAPS.configMapVolume()).until(() -> true);
    return violations;
  }

  private List<SimWorker> workers() {
    return t.sim.kubelet().workers().stream().filter(w -> "keys".equals(w.deployment()) && w.alive()).toList();
  }

  private Set<String> credentialKids() {
    return Set.copyOf(t.user.secrets().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, "keys").list().getItems()
        .stream().map(Secret::getMetadata).map(m -> m.getAnnotations().get(CredentialManager.ANNOTATION_KID)).toList());
  }

  @Test
  void aNewKeySignsOnlyAfterEveryWorkerCanVerifyIt() {
    assertThat(rotateAndWatch(Duration.ofSeconds(8))).isEmpty();
  }

  @Test
  void signingAtOnceWouldLeaveWorkersWithACredentialTheirKeysDoNotList() {
    assertThat(rotateAndWatch(Duration.ZERO)).isNotEmpty();
  }
}
