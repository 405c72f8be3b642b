package tech.openrtc.operator.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.cli.RunCommand;
import tech.openrtc.operator.chaos.SpecFuzzer.Expect;
import tech.openrtc.operator.chaos.SpecFuzzer.Mutation;
import tech.openrtc.operator.reconcile.Conditions;
import tech.openrtc.operator.sim.RecordedCall;
import tech.openrtc.operator.sim.SimCluster;

/**
 * Applies {@link SpecFuzzer} mutations, one at a time, to one AgentDeployment on a simulated
 * cluster where an operator already runs (this starts none), and checks the operator's verdict on
 * each: an invalid spec gets InvalidSpec naming the field, no pod of the deployment is created,
 * patched or deleted by the operator, and its status is written a bounded number of times (no
 * spin); a valid one is observed without InvalidSpec. After each, the valid spec is put back and
 * the deployment must be Healthy again. Specs are written as raw JSON (a JSON patch replacing
 * /spec), so wrong types and nulls reach the API server as written; the mock server enforces no
 * schema, as a cluster whose CRD lost it would not.
 *
 * <p>A broken expectation is recorded in the result, never thrown.
 */
public final class SpecFuzzRun {

  private static final Logger LOG = LoggerFactory.getLogger(SpecFuzzRun.class);

  public static final String USER_AGENT = "openrtc-spec-fuzz";
  public static final String DEFAULT_NAME = "spec-fuzz";
  private static final int REPLICAS = 2;
  private static final Duration POLL = Duration.ofMillis(100);

  private final SimCluster sim;
  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final SpecFuzzer fuzzer;
  private final ObjectNode base;
  private Duration verdictTimeout = Duration.ofSeconds(15);
  private Duration recoveryTimeout = Duration.ofSeconds(30);
  private Duration settle = Duration.ofMillis(500);
  private int maxStatusWrites = 3;

  public SpecFuzzRun(SimCluster sim, String namespace, long seed) {
    this(sim, namespace, DEFAULT_NAME, seed);
  }

  public SpecFuzzRun(SimCluster sim, String namespace, String name, long seed) {
    this.sim = sim;
    this.client = sim.newClient(USER_AGENT);
    this.namespace = namespace;
    this.name = name;
    this.fuzzer = new SpecFuzzer(seed);
    this.base = baseSpec(name);
  }

  /** How long the operator may take to give its verdict on a spec (default 15 s: other chaos may slow it). */
  public SpecFuzzRun verdictTimeout(Duration timeout) {
    this.verdictTimeout = timeout;
    return this;
  }

  /** How long the deployment may take to be Healthy again at the valid spec (default 30 s). */
  public SpecFuzzRun recoveryTimeout(Duration timeout) {
    this.recoveryTimeout = timeout;
    return this;
  }

  /** How many status writes an invalid spec may cost before it counts as a spin (default 3). */
  public SpecFuzzRun maxStatusWrites(int writes) {
    this.maxStatusWrites = writes;
    return this;
  }

  /** The valid spec every mutation starts from: 2 replicas of one container, 1 s drain polls. */
  public static ObjectNode baseSpec(String name) {
    return (ObjectNode) Serialization.jsonMapper().valueToTree(Map.of(
        "version", "v1",
        "replicas", REPLICAS,
        "agentName", name,
        "template", Map.of(
            "metadata", Map.of("labels", Map.of("app", name)),
            "spec", Map.of("containers", List.of(Map.of("name", "agent", "image", "example/agent:1")))),
        "drain", Map.of("pollSeconds", 1, "timeoutSeconds", 60)));
  }

  /** Mutations until {@code budget} has passed (each kind once first, then kinds at random). */
  public SpecFuzzResult run(Duration budget) {
    Instant end = Instant.now().plus(budget);
    return run(() -> Instant.now().isBefore(end), Integer.MAX_VALUE);
  }

  /** Exactly {@code count} mutations (each kind once first, then kinds at random). */
  public SpecFuzzResult run(int count) {
    return run(() -> true, count);
  }

  private SpecFuzzResult run(BooleanSupplier more, int count) {
    Tally tally = new Tally();
    try {
      setUp();
    } catch (RuntimeException e) {
      tally.failures.add("setup: the deployment " + namespace + "/" + name + " did not become Healthy: " + e);
      return tally.result();
    }
    int lostInARow = 0;
    for (int i = 0; i < count && more.getAsBoolean(); i++) {
      Mutation m = fuzzer.next(base);
      tally.tried++;
      tally.byKind.merge(m.kind(), 1L, Long::sum);
      try {
        check(m, tally);
      } catch (RuntimeException e) {
        tally.failures.add(m.path() + " [" + m + "]: " + e);
      }
      // Back to the valid spec; the next mutation starts from a Healthy deployment.
      try {
        restore();
        lostInARow = 0;
      } catch (RuntimeException e) {
        tally.failures.add(m.path() + " [" + m + "]: not Healthy again within " + recoveryTimeout
            + " of the valid spec: " + e.getMessage() + "; " + describe(read()));
        if (++lostInARow >= 3) {
          tally.failures.add("stopped: the deployment did not recover three times in a row");
          break;
        }
      }
    }
    SpecFuzzResult result = tally.result();
    LOG.info("{}", result.summary());
    return result;
  }

  private void check(Mutation m, Tally tally) {
    Set<String> podsBefore = podUids();
    long podWritesBefore = operatorPodWrites();
    long statusWritesBefore = operatorStatusWrites();
    writeSpec(m.spec());
    Verdict v = awaitVerdict(verdictTimeout);
    if (v == null) {
      tally.failures.add(m.path() + " [" + m + "]: no verdict within " + verdictTimeout + "; " + describe(read()));
      return;
    }
    boolean named = v.invalid() && v.message() != null && v.message().contains(m.path());
    if (v.invalid()) {
      sleep(settle);
      List<String> touched = new ArrayList<>();
      long podWrites = operatorPodWrites() - podWritesBefore;
      if (podWrites > 0) {
        touched.add(podWrites + " pod writes by the operator");
      }
      Set<String> created = podUids();
      created.removeAll(podsBefore);
      if (!created.isEmpty()) {
        touched.add(created.size() + " pods created");
      }
      if (!touched.isEmpty()) {
        tally.failures.add(m.path() + " [" + m + "]: InvalidSpec, yet " + String.join(" and ", touched));
      }
      long statusWrites = operatorStatusWrites() - statusWritesBefore;
      if (statusWrites > maxStatusWrites) {
        tally.failures.add(m.path() + " [" + m + "]: " + statusWrites + " status writes for one invalid spec (spin?)");
      }
    }
    switch (m.expect()) {
      case INVALID -> {
        if (!named) {
          tally.failures.add(m.path() + " [" + m + "]: expected InvalidSpec naming " + m.path() + ", got " + v);
          return;
        }
      }
      case VALID -> {
        if (v.invalid()) {
          tally.failures.add(m.path() + " [" + m + "]: expected a valid spec, got " + v);
          return;
        }
      }
      case EITHER -> {
        if (v.invalid() && !named) {
          tally.failures.add(m.path() + " [" + m + "]: InvalidSpec without naming " + m.path() + ": " + v);
          return;
        }
      }
    }
    if (v.invalid()) {
      tally.invalidRejected++;
    } else {
      tally.validAccepted++;
    }
  }

  /** The operator's answer to the spec at the current generation. */
  record Verdict(boolean invalid, String message, String phase) {
    @Override
    public String toString() {
      return invalid ? "InvalidSpec: " + abbreviate(message) : "accepted (phase " + phase + ")";
    }
  }

  private Verdict awaitVerdict(Duration timeout) {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      GenericKubernetesResource d = read();
      if (d != null && observed(d)) {
        Map<String, Object> invalid = condition(d, Conditions.INVALID_SPEC);
        boolean isInvalid = invalid != null && "True".equals(invalid.get("status"));
        return new Verdict(isInvalid, invalid == null ? null : (String) invalid.get("message"),
            String.valueOf(status(d).get("phase")));
      }
      sleep(POLL);
    }
    return null;
  }

  private void setUp() {
    if (client.namespaces().withName(namespace).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
    }
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", AgentDeployment.API_VERSION);
    object.put("kind", AgentDeployment.KIND);
    object.put("metadata", Map.of("name", name, "namespace", namespace));
    object.put("spec", base);
    deployment().resource(Serialization.jsonMapper().convertValue(object, GenericKubernetesResource.class)).create();
    awaitHealthy(Duration.ofSeconds(60));
  }

  private void restore() {
    writeSpec(base);
    awaitHealthy(recoveryTimeout);
  }

  private void awaitHealthy(Duration timeout) {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      GenericKubernetesResource d = read();
      if (d != null && observed(d)) {
        Map<String, Object> status = status(d);
        Map<String, Object> invalid = condition(d, Conditions.INVALID_SPEC);
        if ("Healthy".equals(status.get("phase")) && (invalid == null || !"True".equals(invalid.get("status")))
            && Objects.equals(status.get("readyReplicas"), REPLICAS)
            && Objects.equals(status.get("replicas"), REPLICAS)
            && ((Number) Objects.requireNonNullElse(status.get("drainingReplicas"), 0)).intValue() == 0) {
          return;
        }
      }
      sleep(POLL);
    }
    throw new IllegalStateException("not Healthy with " + REPLICAS + " ready replicas within " + timeout);
  }

  /** A JSON patch replacing the whole spec: what was generated reaches the server, nulls and all. */
  private void writeSpec(ObjectNode spec) {
    String patch = Serialization.asJson(List.of(Map.of("op", "replace", "path", "/spec", "value", spec)));
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        deployment().withName(name).patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (RuntimeException e) {
        // Other chaos may refuse a request now and then.
        last = e;
        sleep(Duration.ofMillis(200L * (attempt + 1)));
      }
    }
    throw last;
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
      io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, Resource<GenericKubernetesResource>> deployment() {
    return client.genericKubernetesResources(AgentDeployment.API_VERSION, AgentDeployment.KIND).inNamespace(namespace);
  }

  private GenericKubernetesResource read() {
    try {
      return deployment().withName(name).get();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean observed(GenericKubernetesResource d) {
    Object observed = status(d).get("observedGeneration");
    return observed instanceof Number o && d.getMetadata().getGeneration() != null
        && o.longValue() == d.getMetadata().getGeneration();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource d) {
    Object status = d.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(GenericKubernetesResource d, String type) {
    Object conditions = status(d).get("conditions");
    if (!(conditions instanceof List<?> list)) {
      return null;
    }
    return list.stream().filter(c -> c instanceof Map<?, ?> m && type.equals(m.get("type")))
        .map(c -> (Map<String, Object>) c).findFirst().orElse(null);
  }

  private static String describe(GenericKubernetesResource d) {
    if (d == null) {
      return "the deployment could not be read";
    }
    Map<String, Object> s = status(d);
    return "generation " + d.getMetadata().getGeneration() + ", observed " + s.get("observedGeneration") + ", phase "
        + s.get("phase") + ", ready " + s.get("readyReplicas") + "/" + s.get("replicas") + ", message "
        + abbreviate(String.valueOf(s.get("message")));
  }

  /** The uids of the deployment's pods now. */
  private Set<String> podUids() {
    return client.pods().inNamespace(namespace).withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems().stream()
        .map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
  }

  /** Pod writes (patch, update, delete, eviction) by the operator naming one of this deployment's pods. */
  private long operatorPodWrites() {
    return sim.requests().writes(c -> "pods".equals(c.resource()) && namespace.equals(c.namespace())
        && c.name() != null && c.name().startsWith(name + "-") && c.userAgentStartsWith(RunCommand.USER_AGENT_PREFIX));
  }

  private long operatorStatusWrites() {
    return sim.requests().writes(c -> isStatusWrite(c) && c.userAgentStartsWith(RunCommand.USER_AGENT_PREFIX));
  }

  private boolean isStatusWrite(RecordedCall c) {
    return "agentdeployments".equals(c.resource()) && "status".equals(c.subresource()) && namespace.equals(c.namespace())
        && name.equals(c.name());
  }

  private static String abbreviate(String s) {
    return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " characters)";
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static final class Tally {
    long tried;
    long invalidRejected;
    long validAccepted;
    final Map<String, Long> byKind = new LinkedHashMap<>();
    final List<String> failures = new ArrayList<>();

    SpecFuzzResult result() {
      return new SpecFuzzResult(tried, invalidRejected, validAccepted, byKind, failures);
    }
  }
}
