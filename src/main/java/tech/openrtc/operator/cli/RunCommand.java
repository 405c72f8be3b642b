package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.membership.SigningKeySet;
import tech.openrtc.operator.LeaderElection;
import tech.openrtc.operator.LeaderPodLabel;

/** Runs the operator against the current kubeconfig or in-cluster config until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the operator against the current kubeconfig (KUBECONFIG, ~/.kube/config) or in-cluster config.")
public class RunCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  /** What every request of the operator's User-Agent starts with (tests and chaos tell its traffic by it). */
  public static final String USER_AGENT_PREFIX = "openrtc-operator";
  public static final String USER_AGENT = USER_AGENT_PREFIX + "/0.1.0";

  @Option(names = {"-n", "--namespace"}, description = "Watch only this namespace (repeatable). Default: all.")
  List<String> namespaces = List.of();

  @Option(names = "--http-port", defaultValue = "8080",
      description = "Port for /healthz, /readyz, /metrics, /.well-known/jwks.json and /livekit/webhook"
          + " (default ${DEFAULT-VALUE}); 0 picks a free one.")
  int httpPort;

  @Option(names = "--kubeconfig", description = "A kubeconfig file instead of the default discovery.")
  Path kubeconfig;

  @Option(names = "--context", description = "The kubeconfig context to use.")
  String context;

  @Option(names = "--rotate-signing-key",
      description = "Add a new signing key at start; the old one stays published until its credentials expire.")
  boolean rotateSigningKey;

  @Option(names = "--log-format", defaultValue = "${env:OPENRTC_LOG_FORMAT:-text}",
      description = "text or json (one JSON object per line; audit records as they are). Default ${DEFAULT-VALUE}.")
  Logs.Format logFormat;

  @Option(names = "--leader-election",
      description = "Run as one of several replicas: only the holder of Lease " + LeaderElection.LEASE_NAME
          + " in the operator namespace reconciles, the others stand by. Identity: HOSTNAME, else a random id."
          + " The leader labels its own pod (POD_NAME, else HOSTNAME, in POD_NAMESPACE, else OPERATOR_NAMESPACE) "
          + LeaderPodLabel.LABEL + "=true for the webhook Service.")
  boolean leaderElection;

  @Option(names = "--disruption-taint", paramLabel = "KEY",
      description = "A NoSchedule or NoExecute taint with this key marks a node being taken away: its workers are"
          + " replaced, then drained (repeatable). Known without it: node.kubernetes.io/unschedulable (cordon),"
          + " karpenter.sh/disrupted, ToBeDeletedByClusterAutoscaler.")
  List<String> disruptionTaints = List.of();

  @Option(names = {"-l", "--selector"}, paramLabel = "LABEL_SELECTOR",
      description = "Handle only the AgentDeployments this label selector matches (a shard, e.g. shard=a); the API server"
          + " filters them. Run one operator Deployment per shard; shards share nothing but the API server.")
  String selector;

  @Option(names = "--lease-name",
      description = "The leader-election Lease. Default: openrtc-operator, or with --selector one derived from it"
          + " (openrtc-operator-shard-<hash>), so each shard elects its own leader.")
  String leaseName;

  @Override
  public Integer call() throws Exception {
    if (logFormat == Logs.Format.json) {
      Logs.use(Logs.Format.json);
    }
    String ownNamespace = System.getenv().getOrDefault("OPERATOR_NAMESPACE", AgentOperator.DEFAULT_NAMESPACE);
    KubernetesClient client = Clients.forCluster(kubeconfig, context, USER_AGENT);
    LOG.info("connecting to {} (operator namespace {})", client.getMasterUrl(), ownNamespace);
    Set<String> watched = new LinkedHashSet<>(namespaces);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean lostLease = new AtomicBoolean();
    // Having lost the Lease, the operator has stopped reconciling: exit non-zero, and a restart
    // (or the Deployment) brings this replica back as a standby.
    LeaderElection election = !leaderElection ? null
        : LeaderElection.of(ownNamespace, LeaderElection.defaultIdentity()).whenLost(() -> {
          lostLease.set(true);
          stopped.countDown();
        }).withPod(LeaderElection.PodRef.fromEnvironment(ownNamespace))
        .withLeaseName(leaseName != null ? leaseName : LeaderElection.leaseNameFor(selector));
    if (election != null) {
      LOG.info("leader election: Lease {}/{}, identity {}; labels pod {} {} while leading", ownNamespace,
          election.leaseName(), election.identity(),
          election.pod() == null ? "(none: no POD_NAME or HOSTNAME)" : election.pod().namespace() + "/" + election.pod().name(),
          LeaderPodLabel.LABEL);
    }
    AgentOperator operator = AgentOperator.start(client, watched, httpPort, ownNamespace, rotateSigningKey, election,
        SigningKeySet.PUBLISH_DELAY, disruptionTaints, selector);
    if (selector != null) {
      LOG.info("shard: only AgentDeployments matching {}", selector);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    LOG.info("serving /healthz, /readyz, /metrics, /.well-known/jwks.json and /livekit/webhook on :{}",
        operator.httpPort());
    stopped.await();
    return lostLease.get() ? 1 : 0;
  }
}
