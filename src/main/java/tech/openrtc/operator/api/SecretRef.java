package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** A Secret in the AgentDeployment's namespace holding the LiveKit API key and secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretRef extends Tolerant {
  @Required
  private String name;

  @Default("api-key")
  private String apiKeyKey;

  @Default("api-secret")
  private String apiSecretKey;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getApiKeyKey() { return apiKeyKey; }
  public void setApiKeyKey(String apiKeyKey) { this.apiKeyKey = apiKeyKey; }
  public String getApiSecretKey() { return apiSecretKey; }
  public void setApiSecretKey(String apiSecretKey) { this.apiSecretKey = apiSecretKey; }
}
