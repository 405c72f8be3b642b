package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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

  private final InFlightProber prober;
  private final LiveKitSecrets liveKitSecrets;

  Observer(InFlightProber prober, LiveKitSecrets liveKitSecrets) {
    this.prober = prober;
    this.liveKitSecrets = liveKitSecrets;
  }

  Snapshot observe(AgentDeployment resource, Context<AgentDeployment> context, DeploymentMemory memory,
      boolean deleting, Instant now) {
    AgentDeploymentStatus previous = Optional.ofNullable(resource.getStatus()).orElseGet(AgentDeploymentStatus::new);
    Commands commands = Commands.of(resource.getMetadata().getAnnotations());
    Set<ControllerRevision> revisions = context.getSecondaryResources(ControllerRevision.class);
    List<String> errors = SpecValidator.validate(resource.getSpec());
    List<String> unknown = unknownFields(resource, context);
    if (!errors.isEmpty()) {
      return new Snapshot(resource, previous, deleting, commands, errors, null, unknown, memory.unknownFieldsWarned, null,
          LiveKitAccess.none(),
          null, null, Optional.empty(), List.of(), null, revisions, List.of(), null, Map.of(), Map.of(), List.of(),
          memory.createFailure, memory.rollbackReason, now);
    }
    EffectiveSpec spec = SpecValidator.effective(resource.getSpec());
    String liveKitSecret = resource.getSpec().getLivekit() == null ? null
        : resource.getSpec().getLivekit().getSecretRef().getName();
    String target = Revisions.hash(spec.version(), spec.template(), spec.agentName());

    List<PodState> pods = pods(resource, context, memory, now);
    Observation observed = Observation.of(target, previous.getActiveRevision(), pods);
    LiveKitAccess liveKit = liveKit(resource, memory);
    Map<String, InFlight> readings = prober.probe(observed.toProbe(spec.replicas()), spec.probe(), liveKit);
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
    ConfigMap membership = context.getSecondaryResources(ConfigMap.class).stream()
        .filter(cm -> cm.getMetadata().getName().equals(membershipName)).findFirst().orElse(null);
    List<Secret> credentials = List.copyOf(context.getSecondaryResources(Secret.class));
    return new Snapshot(resource, previous, deleting, commands, errors, spec, unknown, memory.unknownFieldsWarned,
        liveKitSecret, liveKit, target,
        targetTemplate, activeTemplate, pods, observed, revisions, credentials, membership, readings, lastKnown,
        disagreements, memory.createFailure, memory.rollbackReason, now);
  }

  /**
   * Spec fields this version does not know. JOSDK hands the pass a copy made by serializing the
   * cached object, which drops them: they are read from the cached object itself.
   */
  private static List<String> unknownFields(AgentDeployment resource, Context<AgentDeployment> context) {
    AgentDeployment cached = context.getPrimaryCache().get(ResourceID.fromResource(resource)).orElse(resource);
    return cached.getSpec() == null ? List.of() : Tolerant.unknownPaths("spec", cached.getSpec());
  }

  /** The cached pods in the deployment's namespace, with our deletes the cache has not shown yet. */
  private static List<PodState> pods(AgentDeployment resource, Context<AgentDeployment> context,
      DeploymentMemory memory, Instant now) {
    List<PodState> cached = context.getSecondaryResources(Pod.class).stream()
        .filter(p -> Objects.equals(p.getMetadata().getNamespace(), resource.getMetadata().getNamespace()))
        .map(PodState::of)
        .toList();
    Map<String, Instant> deletes = memory.pendingDeletes(
        cached.stream().map(PodState::name).collect(Collectors.toSet()),
        cached.stream().filter(PodState::terminating).map(PodState::name).collect(Collectors.toSet()), now);
    return cached.stream()
        .map(p -> deletes.containsKey(p.name()) ? p.deletedAt(deletes.get(p.name())) : p)
        .toList();
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
