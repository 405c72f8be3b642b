package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Tolerant;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.InFlightProber;
import tech.openrtc.operator.drain.InFlightSource;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;
import tech.openrtc.operator.pods.PodState;

/**
 * Observe: reads the caches, the LiveKit Secret and the in-flight counts into one
 * {@link Snapshot}. It records what it saw in the deployment's memory (last counts, how long
 * sources have disagreed) and never writes to the cluster.
 */
final class Observer {

  private static final Logger LOG = LoggerFactory.getLogger(Observer.class);

  /** Which of the given nodes are being taken away, with why; empty when evacuation is off. */
  interface NodeView {
    Map<String, String> disrupted(Set<String> nodes);
  }

  private final InFlightProber prober;
  private final LiveKitSecrets liveKitSecrets;
  private final NodeView nodes;
  private final PodDepartures departures;
  /** Whether the API server has a pod (namespace, name): a read past the cache, for overdue pods only. */
  private final BiPredicate<String, String> podExists;

  Observer(InFlightProber prober, LiveKitSecrets liveKitSecrets, NodeView nodes, PodDepartures departures,
      BiPredicate<String, String> podExists) {
    this.prober = prober;
    this.liveKitSecrets = liveKitSecrets;
    this.nodes = nodes;
    this.departures = departures;
    this.podExists = podExists;
  }

  Snapshot observe(AgentDeployment resource, Context<AgentDeployment> context, DeploymentMemory memory,
      boolean deleting, Instant now) {
    AgentDeploymentStatus previous = Optional.ofNullable(resource.getStatus()).orElseGet(AgentDeploymentStatus::new);
    Commands commands = Commands.of(resource.getMetadata().getAnnotations());
    List<HasMetadata> leftovers = new ArrayList<>();
    Set<ControllerRevision> revisions = new LinkedHashSet<>(
        Predecessors.current(context.getSecondaryResources(ControllerRevision.class), resource, leftovers));
    List<String> errors = SpecValidator.validate(resource.getSpec());
    List<String> unknown = unknownFields(resource, context);
    if (!errors.isEmpty()) {
      return new Snapshot(resource, previous, deleting, commands, errors, null, unknown, memory.unknownFieldsWarned, null,
          LiveKitAccess.none(),
          null, null, Optional.empty(), List.of(), null, revisions, List.of(), null, Map.of(), Map.of(), List.of(),
          memory.createFailure, memory.rollbackReason, Map.of(), List.of(), null, null, now, List.of());
    }
    EffectiveSpec spec = SpecValidator.effective(resource.getSpec());
    String liveKitSecret = resource.getSpec().getLivekit() == null ? null
        : resource.getSpec().getLivekit().getSecretRef().getName();
    String target = Revisions.hash(spec.version(), spec.template(), spec.agentName());

    List<PodState> pods = pods(resource, context, memory, now);
    Observation observed = Observation.of(target, previous.getActiveRevision(), pods);
    Map<String, String> disrupted = nodes.disrupted(pods.stream().map(PodState::node).filter(Objects::nonNull)
        .collect(Collectors.toSet()));
    List<LostCalls.LostPod> lost = memory.lost(
        departures.take(resource.getMetadata().getNamespace(), resource.getMetadata().getName(), now), pods);
    LiveKitAccess liveKit = liveKit(resource, memory);
    Set<PodState> toProbe = new java.util.LinkedHashSet<>(observed.toProbe(spec.replicas()));
    if (activeReadDue(resource, spec, memory, now)) {
      toProbe.addAll(observed.activePods());
      toProbe.addAll(observed.previewPods());
      toProbe.addAll(observed.supersededPods());
    }
    // On a node being taken away the least busy go first: their counts are needed now.
    observed.activePods().stream().filter(p -> p.node() != null && disrupted.containsKey(p.node()))
        .forEach(toProbe::add);
    Map<String, InFlight> readings = prober.probe(toProbe, spec.probe(), liveKit);
    List<SourceDisagreements.Lasting> disagreements = spec.inFlightSource() == InFlightSource.HTTP_AND_LIVEKIT
        ? memory.disagreements.observe(readings, now, spec.poll().multipliedBy(2))
        : List.of();
    Map<String, Integer> lastKnown = memory.lastKnown(readings,
        pods.stream().map(PodState::name).collect(Collectors.toSet()));

    RevisionTemplate targetTemplate = new RevisionTemplate(target, spec.version(), spec.agentName(), spec.template());
    Optional<RevisionTemplate> activeTemplate = Objects.equals(observed.active(), target)
        ? Optional.of(targetTemplate)
        : RevisionHistory.find(revisions, observed.active()).flatMap(RevisionHistory::read);
    String membershipName = Membership.configMapName(resource.getMetadata().getName());
    ConfigMap membership = Predecessors.current(context.getSecondaryResources(ConfigMap.class), resource, leftovers)
        .stream().filter(cm -> cm.getMetadata().getName().equals(membershipName)).findFirst().orElse(null);
    List<Secret> credentials = Predecessors.current(context.getSecondaryResources(Secret.class), resource, leftovers);
    PodDisruptionBudget budget = Predecessors.current(context.getSecondaryResources(PodDisruptionBudget.class),
        resource, leftovers).stream()
        .filter(b -> b.getMetadata().getName().equals(resource.getMetadata().getName())).findFirst().orElse(null);
    return new Snapshot(resource, previous, deleting, commands, errors, spec, unknown, memory.unknownFieldsWarned,
        liveKitSecret, liveKit, target,
        targetTemplate, activeTemplate, pods, observed, revisions, credentials, membership, readings, lastKnown,
        disagreements, memory.createFailure, memory.rollbackReason, disrupted, lost, budget,
        spec.activePollSeconds() > 0 ? memory.nextActiveRead : null, now, List.copyOf(leftovers));
  }

  /**
   * Whether the pods that are not draining are read in this pass: every drain.activePollSeconds,
   * in the deployment's own slot of that period ({@link ActiveReads}); the first pass only sets
   * the slot.
   */
  private static boolean activeReadDue(AgentDeployment resource, EffectiveSpec spec, DeploymentMemory memory,
      Instant now) {
    if (spec.activePollSeconds() <= 0) {
      memory.nextActiveRead = null;
      return false;
    }
    boolean due = memory.nextActiveRead != null && !now.isBefore(memory.nextActiveRead);
    if (due || memory.nextActiveRead == null) {
      memory.nextActiveRead = ActiveReads.next(resource.getMetadata().getUid(), now,
          java.time.Duration.ofSeconds(spec.activePollSeconds()));
    }
    return due;
  }

  /**
   * Spec fields this version does not know. JOSDK hands the pass a copy made by serializing the
   * cached object, which drops them: they are read from the cached object itself.
   */
  private static List<String> unknownFields(AgentDeployment resource, Context<AgentDeployment> context) {
    AgentDeployment cached = context.getPrimaryCache().get(ResourceID.fromResource(resource)).orElse(resource);
    return cached.getSpec() == null ? List.of() : Tolerant.unknownPaths("spec", cached.getSpec());
  }

  /**
   * The cached pods in the deployment's namespace, with our deletes the cache has not shown yet, and
   * without those the API server no longer has though the cache does (see StaleTerminatingPods).
   */
  private List<PodState> pods(AgentDeployment resource, Context<AgentDeployment> context,
      DeploymentMemory memory, Instant now) {
    List<PodState> cached = context.getSecondaryResources(Pod.class).stream()
        .filter(p -> Objects.equals(p.getMetadata().getNamespace(), resource.getMetadata().getNamespace()))
        .map(PodState::of)
        .toList();
    Map<String, Instant> deletes = memory.pendingDeletes(
        cached.stream().map(PodState::name).collect(Collectors.toSet()),
        cached.stream().filter(PodState::terminating).map(PodState::name).collect(Collectors.toSet()), now);
    List<PodState> pods = cached.stream()
        .map(p -> deletes.containsKey(p.name()) ? p.deletedAt(deletes.get(p.name())) : p)
        .toList();
    return memory.staleTerminating.withoutGone(resource.getMetadata().getNamespace(), pods, now, podExists);
  }

  /** spec.livekit resolved from its Secret; a problem is logged once per change (never a value). */
  private LiveKitAccess liveKit(AgentDeployment resource, DeploymentMemory memory) {
    LiveKitAccess access = liveKitSecrets.resolve(resource);
    if (resource.getSpec().getLivekit() != null && !access.available()) {
      if (!access.unavailable().equals(memory.liveKitProblem)) {
        LOG.warn("{}: LiveKit unavailable: {}", resource.key(), access.unavailable());
      }
      memory.liveKitProblem = access.unavailable();
    } else {
      memory.liveKitProblem = null;
    }
    return access;
  }
}
