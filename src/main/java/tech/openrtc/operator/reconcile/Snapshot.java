package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.LiveKitAccess;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;
import tech.openrtc.operator.pods.PodState;

/**
 * Everything one pass knows, observed once at its start and never changed: what {@link Decider}
 * decides from. Past this point nothing reads the raw spec ({@code getSpec()}); the spec is
 * {@link #spec()}, validated with every default applied.
 *
 * @param resource the AgentDeployment with its freshest status; writers need its metadata
 * @param previous its status as last written (never null)
 * @param specErrors validation errors; when not empty, {@link #spec()} is null and nothing past
 *     {@link #commands()} was observed
 * @param unknownFields JSON paths of spec fields this version does not know (ignored)
 * @param unknownFieldsWarned the unknown fields a Warning was last written for
 * @param liveKitSecret the Secret named by spec.livekit, null when spec.livekit is not set
 * @param target the revision the spec asks for
 * @param activeTemplate the active revision's template, when its record (or the spec) has it
 * @param pods the deployment's pods in its namespace, our not-yet-seen deletes applied
 * @param readings this pass's in-flight readings, by pod name
 * @param lastKnownInFlight the last known count of every pod, by pod name
 * @param disagreements cross-check disagreements that outlasted two polls
 * @param createFailure why the last pod create failed, until one succeeds
 * @param rollbackReason why the operator itself rolled the spec back, if it did
 * @param disruptedNodes nodes holding the deployment's pods that are being taken away, with why
 * @param lostPods pods that went or failed with calls since the last pass, each reported once
 * @param budget the deployment's PodDisruptionBudget, null when there is none
 * @param nextActiveRead when the pods that are not draining are read next; null for never
 * @param leftovers objects a deleted AgentDeployment of the same name left behind
 *     ({@link Predecessors}); they are in none of the fields above
 */
public record Snapshot(
    AgentDeployment resource,
    AgentDeploymentStatus previous,
    boolean deleting,
    Commands commands,
    List<String> specErrors,
    EffectiveSpec spec,
    List<String> unknownFields,
    List<String> unknownFieldsWarned,
    String liveKitSecret,
    LiveKitAccess liveKit,
    String target,
    RevisionTemplate targetTemplate,
    Optional<RevisionTemplate> activeTemplate,
    List<PodState> pods,
    Observation observed,
    Set<ControllerRevision> revisions,
    List<Secret> credentialSecrets,
    ConfigMap membership,
    Map<String, InFlight> readings,
    Map<String, Integer> lastKnownInFlight,
    List<SourceDisagreements.Lasting> disagreements,
    String createFailure,
    String rollbackReason,
    Map<String, String> disruptedNodes,
    List<LostCalls.LostPod> lostPods,
    PodDisruptionBudget budget,
    Instant nextActiveRead,
    Instant now,
    List<HasMetadata> leftovers) {

  public boolean valid() {
    return specErrors.isEmpty();
  }

  public String namespace() {
    return resource.getMetadata().getNamespace();
  }

  public String name() {
    return resource.getMetadata().getName();
  }

  public String uid() {
    return resource.getMetadata().getUid();
  }

  public Long generation() {
    return resource.getMetadata().getGeneration();
  }

  /** "namespace/name", as audit records and logs name it. */
  public String key() {
    return namespace() + "/" + name();
  }

  public boolean liveKitConfigured() {
    return liveKitSecret != null;
  }
}
