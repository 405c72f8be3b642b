package tech.openrtc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** One in-flight source, or http + livekit with crossCheck. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "(has(self.http) ? 1 : 0) + (has(self.annotation) ? 1 : 0) + (has(self.livekit) ? 1 : 0) <= 1"
        + " || (has(self.http) && has(self.livekit) && !has(self.annotation)"
        + " && has(self.crossCheck) && self.crossCheck)",
    message = "spec.drain.inFlight: choose one source (http, annotation or livekit), or http and livekit with crossCheck: true")
public class InFlightSpec extends Tolerant {
  @JsonPropertyDescription("GET http://<podIP>:<port><path> and read a numeric JSON field.")
  private HttpInFlightSource http;

  @JsonPropertyDescription("The worker writes agents.openrtc.tech/in-flight on its own pod.")
  private AnnotationInFlightSource annotation;

  @JsonPropertyDescription("Count AGENT participants per version on the LiveKit server.")
  private LiveKitInFlightSource livekit;

  @JsonPropertyDescription("With http and livekit: delete a pod only when both read 0.")
  private Boolean crossCheck;

  public HttpInFlightSource getHttp() { return http; }
  public void setHttp(HttpInFlightSource http) { this.http = http; }
  public AnnotationInFlightSource getAnnotation() { return annotation; }
  public void setAnnotation(AnnotationInFlightSource annotation) { this.annotation = annotation; }
  public LiveKitInFlightSource getLivekit() { return livekit; }
  public void setLivekit(LiveKitInFlightSource livekit) { this.livekit = livekit; }
  public Boolean getCrossCheck() { return crossCheck; }
  public void setCrossCheck(Boolean crossCheck) { this.crossCheck = crossCheck; }
}
