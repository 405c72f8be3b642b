package tech.openrtc.operator.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.net.HttpURLConnection;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Times;

/**
 * Every rollout step becomes one Kubernetes Event on the AgentDeployment and one JSON audit record
 * on the {@code audit} logger, named with OpenRTC's event names.
 */
public class Recorder {

  public static final String STARTED = "deployment.started";
  public static final String PROMOTED = "deployment.promoted";
  public static final String DRAIN_STARTED = "deployment.drain_started";
  public static final String POD_DRAINED = "deployment.pod_drained";
  public static final String CALLS_CUT = "deployment.calls_cut";
  public static final String COMPLETED = "deployment.completed";
  public static final String ROLLED_BACK = "deployment.rolled_back";
  public static final String WORKER_REJECTED = "worker.rejected";
  /** A worker's endpoint and LiveKit disagree about its calls for longer than two polls. */
  public static final String SOURCES_DISAGREE = "worker.inflight_disagreement";
  /** From a LiveKit webhook: which version's agent handled which room. Audit record only. */
  public static final String CALL_HANDLED = "call.handled";

  public static final String ACTOR = "openrtc-operator";

  private static final Logger AUDIT = LoggerFactory.getLogger("audit");
  private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final AtomicLong seq = new AtomicLong();

  public Recorder(KubernetesClient client) {
    this.client = client;
  }

  /** One step: {@code target} is the pod or the AgentDeployment the step acted on. */
  public void record(AgentDeployment d, String event, String target, String result, String version,
      String revision, boolean warning, String message, Map<String, Object> extra) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("deployment", d.key());
    fields.put("message", message);
    if (extra != null) {
      fields.putAll(extra);
    }
    Instant now = audit(event, target, result, version, revision, fields);
    event(d, event, warning, message, now);
  }

  /** An audit record without a Kubernetes Event (too frequent for the API server, e.g. one per call). */
  public Instant audit(String event, String target, String result, String version, String revision,
      Map<String, Object> extra) {
    Instant now = Instant.now();
    Map<String, Object> audit = new LinkedHashMap<>();
    audit.put("seq", seq.incrementAndGet());
    audit.put("timestamp", now.toString());
    audit.put("event", event);
    audit.put("actor", ACTOR);
    audit.put("target", target);
    audit.put("result", result);
    audit.put("version", version);
    audit.put("revision", revision);
    if (extra != null) {
      audit.putAll(extra);
    }
    try {
      AUDIT.info(JSON.writeValueAsString(audit));
    } catch (Exception e) {
      LOG.warn("audit record not written: {}", e.toString());
    }
    return now;
  }

  private void event(AgentDeployment d, String reason, boolean warning, String message, Instant now) {
    String namespace = d.getMetadata().getNamespace();
    try {
      client.v1().events().inNamespace(namespace).resource(new EventBuilder()
          .withNewMetadata()
            .withName(d.getMetadata().getName() + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
            .withNamespace(namespace)
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(AgentDeployment.API_VERSION)
              .withKind(AgentDeployment.KIND)
              .withName(d.getMetadata().getName())
              .withNamespace(namespace)
              .withUid(d.getMetadata().getUid())
              .withResourceVersion(d.getMetadata().getResourceVersion())
              .build())
          .withReason(reason)
          .withMessage(message)
          .withType(warning ? "Warning" : "Normal")
          .withFirstTimestamp(Times.format(now))
          .withLastTimestamp(Times.format(now))
          .withCount(1)
          .withNewSource().withComponent(ACTOR).endSource()
          .withReportingComponent(ACTOR)
          .build()).create();
    } catch (KubernetesClientException e) {
      // The name is this event's own: a conflict means a retried create whose first try landed.
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        LOG.warn("event {} for {} not recorded: {}", reason, d.key(), e.toString());
      }
    } catch (Exception e) {
      // An event is a courtesy; never fail a rollout step over it.
      LOG.warn("event {} for {} not recorded: {}", reason, d.key(), e.toString());
    }
  }

  public static Map<String, Object> extra(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
    }
    return m;
  }
}
