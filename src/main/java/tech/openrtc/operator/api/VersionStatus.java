package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One live revision in {@code status.versions[]}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VersionStatus extends Tolerant {
  private String version;
  private String revision;
  private Role role;
  private Integer replicas;
  private Integer ready;
  /** Calls in flight, summed over the pods whose count is known; absent when not probed. */
  private Integer inFlight;
  /** Pods of this revision whose in-flight count could not be read. */
  private Integer inFlightUnknown;
  private String drainStartedAt;

  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
  public String getRevision() { return revision; }
  public void setRevision(String revision) { this.revision = revision; }
  public Role getRole() { return role; }
  public void setRole(Role role) { this.role = role; }
  public Integer getReplicas() { return replicas; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public Integer getReady() { return ready; }
  public void setReady(Integer ready) { this.ready = ready; }
  public Integer getInFlight() { return inFlight; }
  public void setInFlight(Integer inFlight) { this.inFlight = inFlight; }
  public Integer getInFlightUnknown() { return inFlightUnknown; }
  public void setInFlightUnknown(Integer inFlightUnknown) { this.inFlightUnknown = inFlightUnknown; }
  public String getDrainStartedAt() { return drainStartedAt; }
  public void setDrainStartedAt(String drainStartedAt) { this.drainStartedAt = drainStartedAt; }
}
