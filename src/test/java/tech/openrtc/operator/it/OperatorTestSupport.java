package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.LeaderElection;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.sim.PodDeletion;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/** The simulated cluster plus an operator, as the operator's tests use them. */
public final class OperatorTestSupport implements AutoCloseable {

  public static final String NS = "voice";
  public static final String OPERATOR_UA = "openrtc-operator";

  public final SimCluster sim;
  public final KubernetesClient user;
  private KubernetesClient operatorClient;
  private AgentOperator operator;
  private final List<AgentOperator> replicas = new CopyOnWriteArrayList<>();

  private OperatorTestSupport(SimCluster sim) {
    this.sim = sim;
    this.user = sim.newClient("kubectl-test");
  }

  public static OperatorTestSupport start() {
    return start(Duration.ofMillis(300));
  }

  public static OperatorTestSupport start(Duration startupDelay) {
    return start(SimOptions.defaults().withStartupDelay(startupDelay));
  }

  public static OperatorTestSupport start(SimOptions options) {
    OperatorTestSupport t = new OperatorTestSupport(SimCluster.start(options));
    t.startOperator();
    return t;
  }

  /** The simulated cluster alone: the test starts its operators with {@link #startReplica}. */
  public static OperatorTestSupport startWithoutOperator() {
    return startWithoutOperator(SimOptions.defaults().withStartupDelay(Duration.ofMillis(300)));
  }

  public static OperatorTestSupport startWithoutOperator(SimOptions options) {
    return new OperatorTestSupport(SimCluster.start(options));
  }

  /**
   * One replica of a leader-elected operator: its own client (User-Agent
   * {@code openrtc-operator/<identity>}), a 4 s Lease, an HTTP port. Closed with this.
   */
  public AgentOperator startReplica(String identity) {
    return startReplica(identity, null);
  }

  /**
   * A replica as in a cluster: first its own Pod (named as its identity, in the operator
   * namespace, with the Deployment's name label), which it labels while it leads.
   */
  public AgentOperator startReplicaInPod(String identity) {
    user.pods().inNamespace(AgentOperator.DEFAULT_NAMESPACE).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName(identity).withNamespace(AgentOperator.DEFAULT_NAMESPACE)
        .addToLabels("app.kubernetes.io/name", "openrtc-operator").endMetadata()
        .withNewSpec().addNewContainer().withName("operator").withImage("openrtc-operator").endContainer().endSpec()
        .build()).create();
    return startReplica(identity, new LeaderElection.PodRef(AgentOperator.DEFAULT_NAMESPACE, identity));
  }

  private AgentOperator startReplica(String identity, LeaderElection.PodRef pod) {
    KubernetesClient client = sim.newClient(OPERATOR_UA + "/" + identity);
    LeaderElection election = LeaderElection.of(AgentOperator.DEFAULT_NAMESPACE, identity)
        .withTimings(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500)).withPod(pod);
    AgentOperator replica = AgentOperator.start(client, Set.of(), 0, AgentOperator.DEFAULT_NAMESPACE, false, election);
    replicas.add(replica);
    return replica;
  }

  public void startOperator() {
    operatorClient = sim.newClient(OPERATOR_UA);
    // Any free port: tests reach /livekit/webhook and the health endpoints through it.
    operator = AgentOperator.start(operatorClient, Set.of(), 0);
  }

  public AgentOperator operator() {
    return operator;
  }

  public void stopOperator() {
    operator.close();
    operatorClient.close();
    operator = null;
  }

  /** A deployment with one container, the http in-flight source, 1 s polls and a 60 s drain timeout. */
  public static AgentDeployment deployment(String name, String version, int replicas) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion(version);
    spec.setReplicas(replicas);
    spec.setAgentName(name);
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec()
          .withContainers(new ContainerBuilder().withName("agent").withImage("example/agent:1").build())
        .endSpec()
        .build());
    DrainSpec drain = new DrainSpec();
    drain.setPollSeconds(1);
    drain.setTimeoutSeconds(60);
    spec.setDrain(drain);
    d.setSpec(spec);
    return d;
  }

  public AgentDeployment create(AgentDeployment d) {
    return user.resource(d).create();
  }

  public AgentDeployment get(String name) {
    return user.resources(AgentDeployment.class).inNamespace(NS).withName(name).get();
  }

  /** What {@code kubectl patch --type merge} does. */
  public void patchSpec(String name, String specJson) {
    user.resources(AgentDeployment.class).inNamespace(NS).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
  }

  public void setVersion(String name, String version) {
    patchSpec(name, "{\"version\":\"" + version + "\"}");
  }

  public AgentDeployment awaitPhase(String name, Phase phase, Duration within) {
    await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
      AgentDeployment d = get(name);
      return d != null && d.getStatus() != null && d.getStatus().getPhase() == phase;
    });
    return get(name);
  }

  /** Waits for Healthy at {@code version}: the rollout to it finished. */
  public AgentDeployment awaitHealthyAt(String name, String version, Duration within) {
    await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
      AgentDeployment d = get(name);
      return d != null && d.getStatus() != null && d.getStatus().getPhase() == Phase.Healthy
          && version.equals(d.getStatus().getActiveVersion())
          && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration());
    });
    return get(name);
  }

  /** Waits until the pod carries the drain annotation {@code annotation} and returns its time. */
  public Instant awaitDrainTime(String pod, String annotation) {
    await().atMost(Duration.ofSeconds(10)).until(() -> user.pods().inNamespace(NS).withName(pod).get()
        .getMetadata().getAnnotations().containsKey(annotation));
    return Instant.parse(user.pods().inNamespace(NS).withName(pod).get().getMetadata().getAnnotations().get(annotation));
  }

  public List<Pod> pods(String name) {
    return user.pods().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems();
  }

  public List<Pod> pods(String name, Predicate<Pod> filter) {
    return pods(name).stream().filter(filter).collect(Collectors.toList());
  }

  public static String version(Pod p) {
    return p.getMetadata().getLabels().get(Names.LABEL_VERSION);
  }

  public static boolean draining(Pod p) {
    return "true".equals(p.getMetadata().getLabels().get(Names.LABEL_DRAINING));
  }

  /** Invariant 1 for the Annotation trigger: no pod was deleted while it held a live call. */
  public void assertNoBusyPodDeleted() {
    List<PodDeletion> busy = sim.requests().podDeletions().stream()
        .filter(d -> !d.repeat() && d.liveCallsAtRequest() > 0)
        .collect(Collectors.toList());
    assertThat(busy).as("pods deleted while they held live calls").isEmpty();
  }

  public void assertNoCallCut() {
    assertThat(sim.ledger().cut()).as("calls cut").isZero();
  }

  @Override
  public void close() {
    if (operator != null) {
      stopOperator();
    }
    replicas.forEach(AgentOperator::close);
    ApiCalls.add(sim.requests().all(), OPERATOR_UA);
    sim.close();
  }
}
