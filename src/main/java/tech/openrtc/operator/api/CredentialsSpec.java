package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CredentialsSpec extends Tolerant {
  @Min(60)
  @Default("86400")
  private Integer ttlSeconds;

  public Integer getTtlSeconds() { return ttlSeconds; }
  public void setTtlSeconds(Integer ttlSeconds) { this.ttlSeconds = ttlSeconds; }
}
