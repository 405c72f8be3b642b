package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;

/** Desired state. Every rule here is also checked in Java by {@code SpecValidator}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentDeploymentSpec extends Tolerant {

  /** A label value: <= 63 characters, alphanumerics, '-', '_' or '.', alphanumeric at both ends. */
  public static final String VERSION_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$";

  @Required
  @Pattern(VERSION_PATTERN)
  @JsonPropertyDescription("OpenRTC deployment_version of the workers; a label value, <= 63 characters.")
  private String version;

  @SpecReplicas
  @Min(0)
  @Default("1")
  @JsonPropertyDescription("Number of active workers. Default 1.")
  private Integer replicas;

  @JsonPropertyDescription("LiveKit agent name, injected as LIVEKIT_AGENT_NAME.")
  private String agentName;

  @Required
  @ValidationRule(
      value = "has(self.spec) && has(self.spec.containers) && size(self.spec.containers) >= 1",
      message = "spec.template.spec.containers must have at least one container")
  @JsonPropertyDescription("Pod template of the workers; at least one container.")
  private PodTemplateSpec template;

  private StrategySpec strategy;
  private DrainSpec drain;
  private LiveKitSpec livekit;
  private CredentialsSpec credentials;
  private DisruptionSpec disruption;

  @Min(0)
  @Default("10")
  private Integer revisionHistoryLimit;

  @Default("false")
  private Boolean paused;

  /** Values of the wrong JSON type, read as null (see {@link LenientSpecDeserializer}): never written. */
  @JsonIgnore
  private List<String> wrongTypes = List.of();

  public String getVersion() { return version; }
  public void setVersion(String version) { this.version = version; }
  public Integer getReplicas() { return replicas; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public String getAgentName() { return agentName; }
  public void setAgentName(String agentName) { this.agentName = agentName; }
  public PodTemplateSpec getTemplate() { return template; }
  public void setTemplate(PodTemplateSpec template) { this.template = template; }
  public StrategySpec getStrategy() { return strategy; }
  public void setStrategy(StrategySpec strategy) { this.strategy = strategy; }
  public DrainSpec getDrain() { return drain; }
  public void setDrain(DrainSpec drain) { this.drain = drain; }
  public LiveKitSpec getLivekit() { return livekit; }
  public void setLivekit(LiveKitSpec livekit) { this.livekit = livekit; }
  public CredentialsSpec getCredentials() { return credentials; }
  public void setCredentials(CredentialsSpec credentials) { this.credentials = credentials; }
  public DisruptionSpec getDisruption() { return disruption; }
  public void setDisruption(DisruptionSpec disruption) { this.disruption = disruption; }
  public Integer getRevisionHistoryLimit() { return revisionHistoryLimit; }
  public void setRevisionHistoryLimit(Integer revisionHistoryLimit) { this.revisionHistoryLimit = revisionHistoryLimit; }
  public Boolean getPaused() { return paused; }
  public void setPaused(Boolean paused) { this.paused = paused; }

  /** Each value of the wrong JSON type as read, e.g. {@code spec.replicas: expected an integer, got "three"}. */
  public List<String> wrongTypes() { return wrongTypes; }
  void setWrongTypes(List<String> wrongTypes) { this.wrongTypes = List.copyOf(wrongTypes); }

  /** Carries {@link #wrongTypes()} to a copy made by serializing (which writes none of them). */
  public static void carryWrongTypes(AgentDeploymentSpec from, AgentDeploymentSpec to) {
    if (from != null && to != null && !from.wrongTypes.isEmpty()) {
      to.wrongTypes = from.wrongTypes;
    }
  }
}
