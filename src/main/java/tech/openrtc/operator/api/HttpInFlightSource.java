package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** livekit-agents serves {@code GET :8081/worker} with {@code active_jobs}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HttpInFlightSource extends Tolerant {
  @Min(1)
  @Max(65535)
  @Default("8081")
  private Integer port;

  @Pattern("^/.*")
  @Default("/worker")
  private String path;

  @Pattern("^\\S+$")
  @Default("active_jobs")
  private String field;

  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public String getPath() { return path; }
  public void setPath(String path) { this.path = path; }
  public String getField() { return field; }
  public void setField(String field) { this.field = field; }
}
