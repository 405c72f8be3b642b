package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LiveKitSpec extends Tolerant {
  @Required
  private String url;

  @Required
  private SecretRef secretRef;

  public String getUrl() { return url; }
  public void setUrl(String url) { this.url = url; }
  public SecretRef getSecretRef() { return secretRef; }
  public void setSecretRef(SecretRef secretRef) { this.secretRef = secretRef; }
}
