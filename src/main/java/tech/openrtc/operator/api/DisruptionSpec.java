package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DisruptionSpec extends Tolerant {
  @Default("true")
  @JsonPropertyDescription("Keep a PodDisruptionBudget named after the deployment that lets the eviction API evict"
      + " none of its healthy pods: node drains wait while the operator moves the calls. Default: true.")
  private Boolean budget;

  public Boolean getBudget() { return budget; }
  public void setBudget(Boolean budget) { this.budget = budget; }
}
