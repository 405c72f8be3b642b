package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.drain.InFlightSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.CredentialsSpec;
import tech.openrtc.operator.api.DisruptionSpec;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.StrategySpec;

/**
 * The CRD schema's rules and defaults, again in Java: a cluster that did not enforce the schema
 * (an older one, the mock server, a spec written before a field existed) gets the same answer.
 */
public final class SpecValidator {

  private static final Pattern VERSION = Pattern.compile(AgentDeploymentSpec.VERSION_PATTERN);
  /** RFC 1123 label: a container name. */
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  /** The name part of a label key: as a label value, but not empty. */
  private static final Pattern LABEL_NAME = VERSION;
  private static final Pattern ENV_SAFE_NAME = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$");

  private SpecValidator() {}

  /** Every problem found, each naming its field; empty when the spec is valid. */
  public static List<String> validate(AgentDeploymentSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      errors.add("spec: required");
      return errors;
    }
    // Read as null, but not absent: a default in its place would act on a spec nobody wrote.
    errors.addAll(spec.wrongTypes());
    if (spec.getVersion() == null || spec.getVersion().isBlank()) {
      errors.add("spec.version: required");
    } else if (!VERSION.matcher(spec.getVersion()).matches()) {
      errors.add("spec.version: \"" + abbreviate(spec.getVersion()) + "\" is not a valid label value"
          + " (<= 63 characters: letters, digits, '-', '_' or '.', starting and ending with a letter or digit)");
    }
    atLeast(errors, "spec.replicas", spec.getReplicas(), 0);
    atLeast(errors, "spec.revisionHistoryLimit", spec.getRevisionHistoryLimit(), 0);
    if (spec.getAgentName() != null && !ENV_SAFE_NAME.matcher(spec.getAgentName()).matches()) {
      errors.add("spec.agentName: \"" + abbreviate(spec.getAgentName()) + "\" must be letters, digits, '-', '_' or '.'");
    }
    validateTemplate(errors, spec.getTemplate());
    StrategySpec strategy = spec.getStrategy();
    if (strategy != null) {
      atLeast(errors, "spec.strategy.minReadySeconds", strategy.getMinReadySeconds(), 0);
      atLeast(errors, "spec.strategy.progressDeadlineSeconds", strategy.getProgressDeadlineSeconds(), 1);
    }
    DrainSpec drain = spec.getDrain();
    if (drain != null) {
      atLeast(errors, "spec.drain.pollSeconds", drain.getPollSeconds(), 1);
      atLeast(errors, "spec.drain.activePollSeconds", drain.getActivePollSeconds(), 0);
      atLeast(errors, "spec.drain.timeoutSeconds", drain.getTimeoutSeconds(), 1);
      validateInFlight(errors, drain.getInFlight(), spec);
    }
    CredentialsSpec credentials = spec.getCredentials();
    if (credentials != null) {
      atLeast(errors, "spec.credentials.ttlSeconds", credentials.getTtlSeconds(), 60);
    }
    if (spec.getLivekit() != null) {
      if (blank(spec.getLivekit().getUrl())) {
        errors.add("spec.livekit.url: required");
      }
      if (spec.getLivekit().getSecretRef() == null || blank(spec.getLivekit().getSecretRef().getName())) {
        errors.add("spec.livekit.secretRef.name: required");
      }
    }
    return errors;
  }

  private static void validateTemplate(List<String> errors, PodTemplateSpec template) {
    if (template == null) {
      errors.add("spec.template: required");
      return;
    }
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      template.getMetadata().getLabels().forEach((key, value) -> {
        if (key == null || !labelKey(key)) {
          errors.add("spec.template.metadata.labels: \"" + abbreviate(key) + "\" is not a valid label key");
        } else if (value != null && !value.isEmpty() && !VERSION.matcher(value).matches()) {
          errors.add("spec.template.metadata.labels." + key + ": \"" + abbreviate(value) + "\" is not a valid label value");
        }
      });
    }
    List<Container> containers = template.getSpec() == null ? null : template.getSpec().getContainers();
    if (containers == null || containers.isEmpty()) {
      errors.add("spec.template.spec.containers: at least one container is required");
      return;
    }
    // What the API server refuses in a pod, so that no pod is made from a template it would refuse.
    Set<String> names = new HashSet<>();
    validateContainers(errors, "spec.template.spec.containers", containers, names);
    validateContainers(errors, "spec.template.spec.initContainers", template.getSpec().getInitContainers(), names);
  }

  private static void validateContainers(List<String> errors, String path, List<Container> containers,
      Set<String> names) {
    for (int i = 0; containers != null && i < containers.size(); i++) {
      Container c = containers.get(i);
      String at = path + "[" + i + "]";
      if (c == null) {
        errors.add(at + ": must be a container, got null");
        continue;
      }
      if (blank(c.getName())) {
        errors.add(at + ".name: required");
      } else if (!DNS_LABEL.matcher(c.getName()).matches()) {
        errors.add(at + ".name: \"" + abbreviate(c.getName()) + "\" must be a DNS label"
            + " (<= 63 characters: lower-case letters, digits or '-', starting and ending with a letter or digit)");
      } else if (!names.add(c.getName())) {
        errors.add(at + ".name: \"" + c.getName() + "\" is the name of another container");
      }
      if (blank(c.getImage())) {
        errors.add(at + ".image: required");
      } else if (!c.getImage().strip().equals(c.getImage())) {
        errors.add(at + ".image: must not have leading or trailing whitespace");
      }
      List<ContainerPort> ports = c.getPorts() == null ? List.of() : c.getPorts();
      for (int j = 0; j < ports.size(); j++) {
        ContainerPort port = ports.get(j);
        Integer number = port == null ? null : port.getContainerPort();
        if (number == null || number < 1 || number > 65535) {
          errors.add(at + ".ports[" + j + "].containerPort: must be between 1 and 65535, got " + number);
        }
        if (port != null && port.getHostPort() != null && (port.getHostPort() < 0 || port.getHostPort() > 65535)) {
          errors.add(at + ".ports[" + j + "].hostPort: must be between 0 and 65535, got " + port.getHostPort());
        }
      }
    }
  }

  /** A qualified name, optionally prefixed by a DNS subdomain and '/': {@code app}, {@code example.com/tier}. */
  private static boolean labelKey(String key) {
    int slash = key.lastIndexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = key.substring(slash + 1);
    return LABEL_NAME.matcher(name).matches()
        && (prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()));
  }

  private static boolean urlPath(String path) {
    try {
      java.net.URI.create("http://127.0.0.1:8081" + path);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String abbreviate(String s) {
    return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " characters)";
  }

  private static void validateInFlight(List<String> errors, InFlightSpec inFlight, AgentDeploymentSpec spec) {
    if (inFlight == null) {
      return;
    }
    int sources = (inFlight.getHttp() != null ? 1 : 0) + (inFlight.getAnnotation() != null ? 1 : 0)
        + (inFlight.getLivekit() != null ? 1 : 0);
    boolean crossCheck = inFlight.getHttp() != null && inFlight.getLivekit() != null
        && inFlight.getAnnotation() == null && Boolean.TRUE.equals(inFlight.getCrossCheck());
    if (sources > 1 && !crossCheck) {
      errors.add("spec.drain.inFlight: choose one source (http, annotation or livekit),"
          + " or http and livekit with crossCheck: true");
    }
    HttpInFlightSource http = inFlight.getHttp();
    if (http != null) {
      if (http.getPort() != null && (http.getPort() < 1 || http.getPort() > 65535)) {
        errors.add("spec.drain.inFlight.http.port: must be between 1 and 65535, got " + http.getPort());
      }
      if (http.getField() != null && (http.getField().isBlank() || http.getField().matches(".*\\s.*"))) {
        errors.add("spec.drain.inFlight.http.field: must be a JSON field name without spaces, got \"" + abbreviate(http.getField()) + "\"");
      }
      if (http.getPath() != null && !http.getPath().startsWith("/")) {
        errors.add("spec.drain.inFlight.http.path: must start with '/', got \"" + abbreviate(http.getPath()) + "\"");
      } else if (http.getPath() != null && !urlPath(http.getPath())) {
        // The schema's pattern lets "/a b" through; the prober could not make a URL of it.
        errors.add("spec.drain.inFlight.http.path: \"" + abbreviate(http.getPath()) + "\" is not a URL path"
            + " (spaces and some other characters must be %-encoded)");
      }
    }
    if (inFlight.getLivekit() != null && spec.getLivekit() == null) {
      errors.add("spec.drain.inFlight.livekit: needs spec.livekit (url and secretRef)");
    }
  }

  private static void atLeast(List<String> errors, String field, Integer value, int min) {
    if (value != null && value < min) {
      errors.add(field + ": must be >= " + min + ", got " + value);
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** The spec with every default applied. Call only on a spec {@link #validate} accepted. */
  public static EffectiveSpec effective(AgentDeploymentSpec spec) {
    StrategySpec strategy = Optional.ofNullable(spec.getStrategy()).orElseGet(StrategySpec::new);
    DrainSpec drain = Optional.ofNullable(spec.getDrain()).orElseGet(DrainSpec::new);
    InFlightSpec inFlight = Optional.ofNullable(drain.getInFlight()).orElseGet(InFlightSpec::new);
    HttpInFlightSource http = Optional.ofNullable(inFlight.getHttp()).orElseGet(HttpInFlightSource::new);
    return new EffectiveSpec(
        spec.getVersion(),
        or(spec.getReplicas(), 1),
        spec.getAgentName(),
        spec.getTemplate(),
        or(strategy.getAutoPromote(), true),
        or(strategy.getMinReadySeconds(), 0),
        or(strategy.getProgressDeadlineSeconds(), 600),
        or(strategy.getAutoRollback(), false),
        or(drain.getTrigger(), DrainTrigger.Annotation),
        source(inFlight),
        or(http.getPort(), 8081),
        or(http.getPath(), "/worker"),
        or(http.getField(), "active_jobs"),
        or(drain.getPollSeconds(), 5),
        or(drain.getActivePollSeconds(), 30),
        or(drain.getTimeoutSeconds(), 3600),
        or(drain.getOnTimeout(), OnTimeout.Terminate),
        get(spec.getCredentials(), CredentialsSpec::getTtlSeconds, 86400),
        get(spec.getDisruption(), DisruptionSpec::getBudget, true),
        or(spec.getRevisionHistoryLimit(), 10),
        or(spec.getPaused(), false));
  }

  private static InFlightSource source(InFlightSpec inFlight) {
    if (inFlight.getHttp() != null && inFlight.getLivekit() != null) {
      return InFlightSource.HTTP_AND_LIVEKIT;
    }
    if (inFlight.getAnnotation() != null) {
      return InFlightSource.ANNOTATION;
    }
    if (inFlight.getLivekit() != null) {
      return InFlightSource.LIVEKIT;
    }
    return InFlightSource.HTTP;
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  private static <S, T> T get(S holder, Function<S, T> getter, T fallback) {
    return holder == null ? fallback : or(getter.apply(holder), fallback);
  }
}
