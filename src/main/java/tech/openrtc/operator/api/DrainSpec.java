package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DrainSpec extends Tolerant {
  @Default("Annotation")
  private DrainTrigger trigger;

  @JsonPropertyDescription("Where the in-flight call count of a pod is read. Default: http.")
  private InFlightSpec inFlight;

  @Min(1)
  @Default("5")
  @JsonPropertyDescription("Seconds between in-flight readings of a draining pod.")
  private Integer pollSeconds;

  @Min(0)
  @Default("30")
  @JsonPropertyDescription("Seconds between in-flight readings of pods that are not draining (http source), so"
      + " status and lost-call counting know the calls on every version. 0: never.")
  private Integer activePollSeconds;

  @Min(1)
  @Default("3600")
  @JsonPropertyDescription("Seconds a pod may drain before onTimeout applies.")
  private Integer timeoutSeconds;

  @Default("Terminate")
  private OnTimeout onTimeout;

  public DrainTrigger getTrigger() { return trigger; }
  public void setTrigger(DrainTrigger trigger) { this.trigger = trigger; }
  public InFlightSpec getInFlight() { return inFlight; }
  public void setInFlight(InFlightSpec inFlight) { this.inFlight = inFlight; }
  public Integer getPollSeconds() { return pollSeconds; }
  public void setPollSeconds(Integer pollSeconds) { this.pollSeconds = pollSeconds; }
  public Integer getActivePollSeconds() { return activePollSeconds; }
  public void setActivePollSeconds(Integer activePollSeconds) { this.activePollSeconds = activePollSeconds; }
  public Integer getTimeoutSeconds() { return timeoutSeconds; }
  public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
  public OnTimeout getOnTimeout() { return onTimeout; }
  public void setOnTimeout(OnTimeout onTimeout) { this.onTimeout = onTimeout; }
}
