package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/**
 * Observed state. Together with pod labels and annotations it is all a fresh operator needs to
 * finish a rollout: {@code activeRevision} is written before any pod of an older revision is
 * drained.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentDeploymentStatus extends Tolerant {
  private Long observedGeneration;
  private Phase phase;
  private String message;
  private String activeVersion;
  private String activeRevision;
  private String targetVersion;
  private String targetRevision;
  /** The last revision that reached Healthy: where autoRollback returns to. */
  private String stableRevision;
  /** When the operator first saw targetRevision: the progress deadline counts from here. */
  private String rolloutStartedAt;

  @StatusReplicas
  private Integer replicas;
  private Integer readyReplicas;
  private Integer drainingReplicas;
  private Integer drainingCalls;
  /** "ready/replicas" of the active revision, as kubectl prints a Deployment's READY. */
  private String ready;
  /** Calls in flight on every version (known readings; the active pods' as last read). */
  private Integer calls;
  /** Calls cut because a drain deadline passed, over the life of this AgentDeployment. */
  private Long callsCut;

  @LabelSelector
  private String selector;

  private List<VersionStatus> versions = new ArrayList<>();
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public Phase getPhase() { return phase; }
  public void setPhase(Phase phase) { this.phase = phase; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
  public String getActiveVersion() { return activeVersion; }
  public void setActiveVersion(String activeVersion) { this.activeVersion = activeVersion; }
  public String getActiveRevision() { return activeRevision; }
  public void setActiveRevision(String activeRevision) { this.activeRevision = activeRevision; }
  public String getTargetVersion() { return targetVersion; }
  public void setTargetVersion(String targetVersion) { this.targetVersion = targetVersion; }
  public String getTargetRevision() { return targetRevision; }
  public void setTargetRevision(String targetRevision) { this.targetRevision = targetRevision; }
  public String getStableRevision() { return stableRevision; }
  public void setStableRevision(String stableRevision) { this.stableRevision = stableRevision; }
  public String getRolloutStartedAt() { return rolloutStartedAt; }
  public void setRolloutStartedAt(String rolloutStartedAt) { this.rolloutStartedAt = rolloutStartedAt; }
  public Integer getReplicas() { return replicas; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public Integer getReadyReplicas() { return readyReplicas; }
  public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
  public Integer getDrainingReplicas() { return drainingReplicas; }
  public void setDrainingReplicas(Integer drainingReplicas) { this.drainingReplicas = drainingReplicas; }
  public String getReady() { return ready; }
  public void setReady(String ready) { this.ready = ready; }
  public Integer getCalls() { return calls; }
  public void setCalls(Integer calls) { this.calls = calls; }
  public Integer getDrainingCalls() { return drainingCalls; }
  public void setDrainingCalls(Integer drainingCalls) { this.drainingCalls = drainingCalls; }
  public Long getCallsCut() { return callsCut; }
  public void setCallsCut(Long callsCut) { this.callsCut = callsCut; }
  public String getSelector() { return selector; }
  public void setSelector(String selector) { this.selector = selector; }
  public List<VersionStatus> getVersions() { return versions; }
  public void setVersions(List<VersionStatus> versions) { this.versions = versions; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
}
