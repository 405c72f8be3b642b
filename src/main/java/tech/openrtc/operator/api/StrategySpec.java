package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StrategySpec extends Tolerant {
  @Default("true")
  @JsonPropertyDescription("Promote the new revision as soon as it is ready; false waits for `kubectl agents rollout promote`.")
  private Boolean autoPromote;

  @Min(0)
  @Default("0")
  @JsonPropertyDescription("Seconds every new pod must stay Ready before promotion.")
  private Integer minReadySeconds;

  @Min(1)
  @Default("600")
  @JsonPropertyDescription("Seconds a new revision may take to become ready before the rollout is Degraded.")
  private Integer progressDeadlineSeconds;

  @Default("false")
  @JsonPropertyDescription("On the progress deadline, return to the last stable revision.")
  private Boolean autoRollback;

  public Boolean getAutoPromote() { return autoPromote; }
  public void setAutoPromote(Boolean autoPromote) { this.autoPromote = autoPromote; }
  public Integer getMinReadySeconds() { return minReadySeconds; }
  public void setMinReadySeconds(Integer minReadySeconds) { this.minReadySeconds = minReadySeconds; }
  public Integer getProgressDeadlineSeconds() { return progressDeadlineSeconds; }
  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) { this.progressDeadlineSeconds = progressDeadlineSeconds; }
  public Boolean getAutoRollback() { return autoRollback; }
  public void setAutoRollback(Boolean autoRollback) { this.autoRollback = autoRollback; }
}
