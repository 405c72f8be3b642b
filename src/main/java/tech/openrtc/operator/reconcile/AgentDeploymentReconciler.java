package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.disruption.NodeDisruption;
import tech.openrtc.operator.drain.InFlightProber;
import tech.openrtc.operator.drain.LiveKitWebhooks;
import tech.openrtc.operator.membership.SigningKeyStore;
import tech.openrtc.operator.metrics.OperatorMetrics;

/**
 * Wires the three steps of a pass to JOSDK: {@link Observer} (one snapshot), {@link Decider}
 * (one decision, pure) and {@link Actor} (the writes, status before pods). Per deployment it keeps
 * one {@link DeploymentMemory}; see docs/architecture.md.
 */
@ControllerConfiguration(
    name = AgentDeploymentReconciler.NAME,
    // Annotations on the AgentDeployment (commands such as promote) are events too.
    generationAwareEventProcessing = false,
    // Our own status writes are not: they would start another probe round for nothing.
    informer = @Informer(onUpdateFilter = NotStatusOnly.class),
    // A deleted AgentDeployment drains its pods first: without it, garbage collection would
    // delete them at once and cut every call they hold.
    finalizerName = Names.FINALIZER,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public class AgentDeploymentReconciler implements Reconciler<AgentDeployment>, Cleaner<AgentDeployment> {

  public static final String NAME = "agentdeployment";
  private static final Logger LOG = LoggerFactory.getLogger(AgentDeploymentReconciler.class);

  private final InFlightProber prober;
  private final Recorder recorder;
  private final Clock clock;
  private final LiveKitWebhooks webhooks;
  private final Observer observer;
  private final Actor actor;
  private final DeploymentMemories memories;
  /** Reconciles asked for by webhooks: a call ended, so a draining pod may be idle now. */
  private final SimpleInboundEventSource<AgentDeployment> webhookEvents = new SimpleInboundEventSource<>("livekit-webhooks");
  /** Reconciles of every deployment, asked for when the signing keys change. */
  private final SimpleInboundEventSource<AgentDeployment> keyEvents = new SimpleInboundEventSource<>("signing-keys");
  private volatile InformerEventSource<Pod, AgentDeployment> podCache;
  private volatile InformerEventSource<Node, AgentDeployment> nodeCache;
  /** How a node being taken away is told; null: evacuation is off (no access to Nodes). */
  private final NodeDisruption nodeDisruption;
  private final PodDepartures departures;

  public AgentDeploymentReconciler(KubernetesClient client, InFlightProber prober, Recorder recorder,
      SigningKeyStore signingKeys, Clock clock, OperatorMetrics metrics) {
    this(client, prober, recorder, signingKeys, clock, metrics, NodeDisruption.defaults());
  }

  /** @param nodeDisruption null when the operator may not watch Nodes: evacuation is off */
  public AgentDeploymentReconciler(KubernetesClient client, InFlightProber prober, Recorder recorder,
      SigningKeyStore signingKeys, Clock clock, OperatorMetrics metrics, NodeDisruption nodeDisruption) {
    this.nodeDisruption = nodeDisruption;
    this.departures = new PodDepartures(clock);
    this.prober = prober;
    this.recorder = recorder;
    this.clock = clock;
    this.webhooks = new LiveKitWebhooks(
        s -> {
          // A call ended: the re-probe must not read a scan of the server from before it.
          prober.liveKit().invalidate(s.credentials());
          webhookEvents.propagateEvent(new ResourceID(s.name(), s.namespace()));
        },
        this::auditHandledCall);
    BiPredicate<String, String> podExists = (namespace, pod) -> podExists(client, namespace, pod);
    this.observer = new Observer(prober, new LiveKitSecrets(client), this::disruptedNodes, departures, podExists);
    this.actor = new Actor(client, new StatusWriter(client, clock), signingKeys, recorder, metrics, webhooks,
        podExists);
    this.memories = new DeploymentMemories((namespace, name) -> {
      metrics.forget(namespace, name);
      webhooks.forget(namespace, name);
    });
  }

  @Override
  public UpdateControl<AgentDeployment> reconcile(AgentDeployment resource, Context<AgentDeployment> context) {
    Duration requeue = pass(resource, context, false).requeue();
    return requeue == null ? UpdateControl.noUpdate()
        : UpdateControl.<AgentDeployment>noUpdate().rescheduleAfter(requeue);
  }

  /** Drains every pod as a rollout would, then lets the AgentDeployment go. */
  @Override
  public DeleteControl cleanup(AgentDeployment resource, Context<AgentDeployment> context) {
    Pass pass = pass(resource, context, true);
    if (pass.podsLeft() == 0) {
      LOG.info("{}: deleted; no pod left to drain", resource.key());
      memories.forget(resource.getMetadata().getUid());
      return DeleteControl.defaultDelete();
    }
    Duration again = pass.requeue() == null ? Duration.ofSeconds(5) : pass.requeue();
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(again.toMillis());
  }

  private record Pass(Duration requeue, int podsLeft) {}

  /** One pass: observe, decide, act. */
  private Pass pass(AgentDeployment resource, Context<AgentDeployment> context, boolean deleting) {
    Instant now = clock.instant();
    DeploymentMemory memory = memories.of(resource, now);
    Snapshot snapshot = observer.observe(resource, context, memory, deleting, now);
    Decision decision = Decider.decide(snapshot);
    Duration requeue = actor.act(snapshot, decision, memory, context, podCache);
    memories.sweep(() -> context.getPrimaryCache().list().map(d -> d.getMetadata().getUid())
        .collect(Collectors.toSet()), now);
    return new Pass(requeue, decision.podsLeft());
  }

  @Override
  public List<EventSource<?, AgentDeployment>> prepareEventSources(EventSourceContext<AgentDeployment> context) {
    // Everything the operator owns maps to its AgentDeployment by label, not owner reference: a
    // pod someone recreated from an old manifest is still ours to drain, and a deleted credential
    // or membership ConfigMap brings a reconcile that restores it.
    InformerEventSource<Pod, AgentDeployment> pods = new InformerEventSource<>(
        labelledConfiguration(Pod.class, "pods"), context) {
      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        // Before the pass this delete starts: how the pod went tells whether its calls were cut.
        departures.gone(pod);
        super.onDelete(pod, finalStateUnknown);
      }
    };
    podCache = pods;
    List<EventSource<?, AgentDeployment>> sources = new java.util.ArrayList<>(List.of(
        pods,
        labelled(ControllerRevision.class, "controllerrevisions", context),
        labelled(Secret.class, "secrets", context),
        labelled(ConfigMap.class, "configmaps", context),
        labelled(PodDisruptionBudget.class, "poddisruptionbudgets", context),
        webhookEvents,
        keyEvents));
    if (nodeDisruption != null) {
      nodeCache = nodes(context);
      sources.add(nodeCache);
    }
    return sources;
  }

  /**
   * One shared informer on Nodes. A node that starts or stops being taken away brings a pass of
   * every deployment with a pod on it (found in the pod cache); other node updates (status
   * heartbeats) bring nothing.
   */
  private InformerEventSource<Node, AgentDeployment> nodes(EventSourceContext<AgentDeployment> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Node.class, AgentDeployment.class)
            .withName("nodes")
            // Nodes are cluster-scoped: with --namespace, following the controller's namespaces
            // would list nodes "in" a namespace and see none.
            .withWatchAllNamespaces()
            .withFollowControllerNamespacesChanges(false)
            .withSecondaryToPrimaryMapper(this::deploymentsOn)
            .withOnUpdateFilter((now, before) -> !nodeDisruption.why(now).equals(nodeDisruption.why(before)))
            .build(),
        context);
  }

  private Set<ResourceID> deploymentsOn(Node node) {
    InformerEventSource<Pod, AgentDeployment> pods = podCache;
    if (pods == null) {
      return Set.of();
    }
    String name = node.getMetadata().getName();
    return pods.list(p -> p.getSpec() != null && name.equals(p.getSpec().getNodeName()))
        .flatMap(p -> byDeploymentLabel(p).stream())
        .collect(Collectors.toSet());
  }

  /** The given nodes that are being taken away, with why; none while evacuation is off. */
  private Map<String, String> disruptedNodes(Set<String> names) {
    InformerEventSource<Node, AgentDeployment> cache = nodeCache;
    if (cache == null || names.isEmpty()) {
      return Map.of();
    }
    Map<String, String> disrupted = new java.util.TreeMap<>();
    for (String name : names) {
      cache.get(new ResourceID(name)).flatMap(nodeDisruption::why).ifPresent(why -> disrupted.put(name, why));
    }
    return disrupted;
  }

  private static <R extends HasMetadata> InformerEventSource<R, AgentDeployment> labelled(
      Class<R> kind, String name, EventSourceContext<AgentDeployment> context) {
    return new InformerEventSource<>(labelledConfiguration(kind, name), context);
  }

  private static <R extends HasMetadata> InformerEventSourceConfiguration<R> labelledConfiguration(
      Class<R> kind, String name) {
    return InformerEventSourceConfiguration.from(kind, AgentDeployment.class)
        .withName(name)
        .withLabelSelector(Names.LABEL_DEPLOYMENT)
        .withSecondaryToPrimaryMapper(AgentDeploymentReconciler::byDeploymentLabel)
        .build();
  }

  private static Set<ResourceID> byDeploymentLabel(HasMetadata r) {
    String name = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(Names.LABEL_DEPLOYMENT);
    return name == null ? Set.of() : Set.of(new ResourceID(name, r.getMetadata().getNamespace()));
  }

  private void auditHandledCall(LiveKitWebhooks.Handled h) {
    recorder.audit(Recorder.CALL_HANDLED, h.room(), "observed", h.version(), null, Recorder.extra(
        "room", h.room(), "pod", h.pod(), "participant", h.participant(), "webhook", h.event(),
        "deployments", h.deployments().stream().map(d -> d.namespace() + "/" + d.name()).sorted().toList()));
  }

  /** A pass for every deployment this operator has reconciled (e.g. to publish a new key). */
  public void reconcileAll() {
    memories.each((namespace, name) -> keyEvents.propagateEvent(new ResourceID(name, namespace)));
  }

  public InFlightProber prober() {
    return prober;
  }

  public LiveKitWebhooks webhooks() {
    return webhooks;
  }

  /** A GET past the cache; on an error the pod is taken to exist (nothing is dropped on a guess). */
  private static boolean podExists(KubernetesClient client, String namespace, String pod) {
    try {
      return client.pods().inNamespace(namespace).withName(pod).get() != null;
    } catch (KubernetesClientException e) {
      LOG.debug("could not look up pod {}/{}: {}", namespace, pod, e.toString());
      return true;
    }
  }
}
