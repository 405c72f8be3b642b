package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import tech.openrtc.operator.sim.DisruptionController.Budget;
import tech.openrtc.operator.sim.RecordingDispatcher.ParsedPath;

/**
 * What the real API server and controller manager do for pods that the fabric8 mock server does
 * not: graceful deletion, the binding and eviction subresources, and the disruption controller's
 * PodDisruptionBudget status. (Without this the mock answers a POST to pods/NAME/binding or
 * pods/NAME/eviction with 409 "already exists", and a DELETE sets deletionTimestamp to now.)
 *
 * <p>Every pod write here is serialized, so two evictions never both spend the budget's last
 * disruption (the real eviction handler gets the same from a resourceVersion-checked status write).
 * The writes go straight to the store: they are the server's own, not requests.
 */
final class PodApi {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PodApi.class);

  /** The mock server's store, as the dispatcher serves it. */
  interface Store {
    /** The object at this path, or null if there is none. */
    JsonNode get(String path);

    /** The items of the list at this path. */
    List<JsonNode> list(String path);

    /** JSON merge patch (RFC 7386) of the object at this path. */
    MockResponse mergePatch(String path, JsonNode patch);

    /** The mock server's own DELETE. */
    MockResponse delete(String path);
  }

  static final String BUDGETS = "poddisruptionbudgets";
  /** pkg/apis/core/v1/defaults.go: terminationGracePeriodSeconds defaults to 30. */
  private static final long DEFAULT_GRACE_SECONDS = 30;
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private final Store store;
  private final RequestLog requests;
  private final CallLedger ledger;
  /** A pod, budget or AgentDeployment was written since the budgets' status was last computed. */
  private final AtomicBoolean budgetsStale = new AtomicBoolean(true);
  private final AtomicBoolean syncing = new AtomicBoolean();
  private volatile long nextSync;

  PodApi(Store store, RequestLog requests, CallLedger ledger) {
    this.store = store;
    this.requests = requests;
    this.ledger = ledger;
  }

  /** Serves the request if it is one of ours; null lets the mock server serve it. */
  MockResponse serve(RecordedRequest request, ParsedPath p) {
    if (isWrite(request.getMethod()) && List.of("pods", BUDGETS, "agentdeployments").contains(p.resource)) {
      budgetsStale.set(true);
    }
    if (!"pods".equals(p.resource) || p.name == null || p.namespace == null
        || !p.pathWithoutQuery.startsWith("/api/v1/")) {
      return null;
    }
    String method = request.getMethod();
    if ("DELETE".equals(method) && p.subresource == null) {
      return delete(p.namespace, p.name, RecordingDispatcher.gracePeriod(request, p));
    }
    if ("POST".equals(method) && "binding".equals(p.subresource)) {
      return bind(p.namespace, p.name, readJson(request));
    }
    if ("POST".equals(method) && "eviction".equals(p.subresource)) {
      return evict(p.namespace, p.name, readJson(request), request.getHeader("User-Agent"));
    }
    return null;
  }

  // ---- DELETE

  /**
   * A graceful delete as the API server does it (k8s.io/apiserver pkg/registry/rest/delete.go
   * BeforeDelete): deletionTimestamp = now + grace period and deletionGracePeriodSeconds = grace;
   * the pod stays until its finalizers are gone (the sim kubelet removes its own once the worker
   * has exited). The mock server would set deletionTimestamp = now.
   */
  synchronized MockResponse delete(String namespace, String name, Long requestGrace) {
    String path = podPath(namespace, name);
    JsonNode pod = store.get(path);
    if (pod == null || pod.path("metadata").hasNonNull("deletionTimestamp")
        || pod.path("metadata").path("finalizers").isEmpty()) {
      return store.delete(path); // gone at once, or already terminating: as the mock does
    }
    long grace = gracePeriodSeconds(pod, requestGrace);
    ObjectNode patch = JSON.createObjectNode();
    patch.putObject("metadata")
        .put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString())
        .put("deletionGracePeriodSeconds", grace);
    budgetsStale.set(true);
    return store.mergePatch(path, patch).setResponseCode(200);
  }

  /**
   * The request's grace period, else the pod's; 0 for a pod no node runs or that has finished
   * (pkg/registry/core/pod/strategy.go CheckGracefulDelete).
   */
  private static long gracePeriodSeconds(JsonNode pod, Long requestGrace) {
    String phase = pod.path("status").path("phase").asText("");
    if (pod.path("spec").path("nodeName").asText("").isEmpty()
        || phase.equals("Succeeded") || phase.equals("Failed")) {
      return 0;
    }
    if (requestGrace != null) {
      return Math.max(0, requestGrace);
    }
    JsonNode podGrace = pod.path("spec").path("terminationGracePeriodSeconds");
    return podGrace.isNumber() ? podGrace.asLong() : DEFAULT_GRACE_SECONDS;
  }

  // ---- pods/NAME/binding

  /**
   * Binds a pod to a node as BindingREST does (pkg/registry/core/pod/storage/storage.go
   * assignPod): only a pod that no node runs yet and that is not being deleted. It sets
   * spec.nodeName only; the kubelet's first status write then says PodScheduled True.
   */
  private synchronized MockResponse bind(String namespace, String name, JsonNode binding) {
    String node = binding.path("target").path("name").asText("");
    if (node.isEmpty()) {
      return status(400, "BadRequest", "target.name: Required value");
    }
    String path = podPath(namespace, name);
    JsonNode pod = store.get(path);
    if (pod == null) {
      return notFound(name);
    }
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
      return status(409, "Conflict", "pod " + name + " is being deleted, cannot be assigned to a host");
    }
    String assigned = pod.path("spec").path("nodeName").asText("");
    if (!assigned.isEmpty()) {
      return status(409, "Conflict", "pod " + name + " is already assigned to node \"" + assigned + "\"");
    }
    ObjectNode patch = JSON.createObjectNode();
    patch.putObject("spec").put("nodeName", node);
    store.mergePatch(path, patch);
    return success();
  }

  // ---- pods/NAME/eviction

  /**
   * The eviction subresource, as pkg/registry/core/pod/storage/eviction.go Create: a pod that
   * cannot break a budget (terminating, finished, or still Pending) is deleted at once; otherwise
   * the one PodDisruptionBudget covering it decides, computed afresh (as if the disruption
   * controller were instant), and a refusal is a 429 the caller retries.
   */
  private synchronized MockResponse evict(String namespace, String name, JsonNode eviction, String userAgent) {
    if (!eviction.path("metadata").path("name").asText(name).equals(name)) {
      return status(400, "BadRequest", "name in URL does not match name in Eviction object");
    }
    JsonNode podJson = store.get(podPath(namespace, name));
    if (podJson == null) {
      return notFound(name);
    }
    Pod pod = JSON.convertValue(podJson, Pod.class);
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return success(); // already going; the real handler repeats the DELETE, which changes nothing here
    }
    JsonNode grace = eviction.path("deleteOptions").path("gracePeriodSeconds");
    Long requestGrace = grace.isNumber() ? grace.asLong() : null;
    if (canIgnoreBudget(pod)) {
      return evicted(pod, null, requestGrace, userAgent);
    }
    List<PodDisruptionBudget> budgets = budgetsCovering(pod);
    if (budgets.size() > 1) {
      record(pod, null, PodEviction.Outcome.MULTIPLE_BUDGETS, userAgent);
      return status(500, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    }
    if (budgets.isEmpty()) {
      return evicted(pod, null, requestGrace, userAgent);
    }
    PodDisruptionBudget pdb = budgets.get(0);
    Budget budget = compute(pdb);
    if (!DisruptionController.evictionAllowed(pdb, pod, budget)) {
      record(pod, pdb.getMetadata().getName(), PodEviction.Outcome.REFUSED, userAgent);
      return tooManyRequests(pdb.getMetadata().getName(), budget);
    }
    return evicted(pod, pdb.getMetadata().getName(), requestGrace, userAgent);
  }

  /** eviction.go canIgnorePDB: a pod that is not running breaks no budget. */
  private static boolean canIgnoreBudget(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return phase == null || List.of("Pending", "Succeeded", "Failed").contains(phase);
  }

  private MockResponse evicted(Pod pod, String budget, Long requestGrace, String userAgent) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    record(pod, budget, PodEviction.Outcome.EVICTED, userAgent);
    int live = (int) ledger.liveOnPod(namespace, name);
    requests.addDeletion(new PodDeletion(namespace, name, requestGrace, live, Instant.now(), false, true),
        pod.getMetadata().getUid());
    MockResponse deleted = delete(namespace, name, requestGrace);
    return deleted.code() >= 300 ? deleted : success();
  }

  private void record(Pod pod, String budget, PodEviction.Outcome outcome, String userAgent) {
    requests.addEviction(new PodEviction(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
        budget, outcome, Instant.now(), userAgent));
  }

  // ---- budgets

  /**
   * The disruption controller's work: each budget's status as {@link DisruptionController} computes
   * it, written through the status subresource only when it changed, and only when something it
   * depends on was written since the last pass.
   */
  void syncBudgetStatuses() {
    // Scheduled every second on the sim's I/O pool: a pass still running makes the next one a no-op
    // rather than a thread waiting for it.
    // A pass reads every pod: with thousands of them it costs most of a second, so passes are kept
    // at most a fifth of the time (the status is for people and alerts; evictions compute their
    // budget on the spot).
    long now = System.nanoTime();
    if (now < nextSync || !syncing.compareAndSet(false, true)) {
      return;
    }
    try {
      syncBudgetStatusesNow();
    } catch (RuntimeException e) {
      // The mock fans a write out to its watches on the writer's thread; a watch closed meanwhile
      // (a dropped watch) throws here. The next pass writes again.
      budgetsStale.set(true);
      LOG.debug("budget status sync failed; trying again", e);
    } finally {
      long took = System.nanoTime() - now;
      nextSync = System.nanoTime() + 4 * took;
      syncing.set(false);
    }
  }

  private synchronized void syncBudgetStatusesNow() {
    if (!budgetsStale.getAndSet(false)) {
      return;
    }
    // Each namespace's pods are read and indexed by label once per round, not once per budget
    // (thousands of both).
    Map<String, PodsByLabel> podsByNamespace = new HashMap<>();
    for (JsonNode json : store.list("/apis/policy/v1/" + BUDGETS)) {
      PodDisruptionBudget pdb = JSON.convertValue(json, PodDisruptionBudget.class);
      PodsByLabel pods = podsByNamespace.computeIfAbsent(pdb.getMetadata().getNamespace(),
          namespace -> new PodsByLabel(podsIn(namespace)));
      Budget b = compute(pdb, pods.candidates(pdb.getSpec().getSelector()));
      PodDisruptionBudgetStatus now = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
      Long generation = pdb.getMetadata().getGeneration();
      if (Objects.equals(now.getObservedGeneration(), generation)
          && Objects.equals(now.getCurrentHealthy(), b.currentHealthy())
          && Objects.equals(now.getDesiredHealthy(), b.desiredHealthy())
          && Objects.equals(now.getExpectedPods(), b.expectedPods())
          && Objects.equals(now.getDisruptionsAllowed(), b.disruptionsAllowed())) {
        continue;
      }
      ObjectNode patch = JSON.createObjectNode();
      ObjectNode status = patch.putObject("status");
      if (generation != null) {
        status.put("observedGeneration", generation);
      }
      status.put("currentHealthy", b.currentHealthy())
          .put("desiredHealthy", b.desiredHealthy())
          .put("expectedPods", b.expectedPods())
          .put("disruptionsAllowed", b.disruptionsAllowed());
      store.mergePatch(budgetPath(pdb) + "/status", patch);
    }
  }

  private Budget compute(PodDisruptionBudget pdb) {
    return compute(pdb, podsIn(pdb.getMetadata().getNamespace()));
  }

  private List<Pod> podsIn(String namespace) {
    return store.list("/api/v1/namespaces/" + namespace + "/pods").stream()
        .map(json -> JSON.convertValue(json, Pod.class))
        .toList();
  }

  /** A namespace's pods by label: the pods a selector may select, without looking at every pod. */
  private static final class PodsByLabel {
    private final List<Pod> all;
    private final Map<String, List<Pod>> byLabel = new HashMap<>();

    PodsByLabel(List<Pod> pods) {
      all = pods;
      for (Pod pod : pods) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels != null) {
          labels.forEach((k, v) -> byLabel.computeIfAbsent(k + "=" + v, x -> new ArrayList<>()).add(pod));
        }
      }
    }

    /** Every pod that carries one of the selector's matchLabels pairs (all of them if it has none). */
    List<Pod> candidates(io.fabric8.kubernetes.api.model.LabelSelector selector) {
      if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
        return all;
      }
      Map.Entry<String, String> first = selector.getMatchLabels().entrySet().iterator().next();
      return byLabel.getOrDefault(first.getKey() + "=" + first.getValue(), List.of());
    }
  }

  /** The budget over the pods of its namespace it selects (from {@code podsOfNamespace}, or a subset holding them all). */
  private Budget compute(PodDisruptionBudget pdb, List<Pod> podsOfNamespace) {
    String namespace = pdb.getMetadata().getNamespace();
    List<Pod> pods = podsOfNamespace.stream()
        .filter(pod -> LabelSelectors.selectsSomethingAndMatches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels()))
        .toList();
    return DisruptionController.compute(pdb, pods, owner -> controllerScale(namespace, owner));
  }

  private List<PodDisruptionBudget> budgetsCovering(Pod pod) {
    return store.list("/apis/policy/v1/namespaces/" + pod.getMetadata().getNamespace() + "/" + BUDGETS).stream()
        .map(json -> JSON.convertValue(json, PodDisruptionBudget.class))
        .filter(pdb -> LabelSelectors.selectsSomethingAndMatches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels()))
        .toList();
  }

  /**
   * spec.replicas of the AgentDeployment that controls a pod (its scale subresource's spec
   * path), 1 if unset (the CRD's default); -1 for any other controller or one that is gone.
   */
  private int controllerScale(String namespace, OwnerReference owner) {
    if (!"AgentDeployment".equals(owner.getKind())) {
      return -1;
    }
    JsonNode deployment = store.get(
        "/apis/" + owner.getApiVersion() + "/namespaces/" + namespace + "/agentdeployments/" + owner.getName());
    if (deployment == null || !owner.getUid().equals(deployment.path("metadata").path("uid").asText())) {
      return -1;
    }
    return deployment.path("spec").path("replicas").asInt(1);
  }

  // ---- answers

  private static MockResponse success() {
    Status ok = new StatusBuilder().withStatus("Success").withCode(201).build();
    return new MockResponse().setResponseCode(201).setBody(Serialization.asJson(ok));
  }

  private static MockResponse notFound(String name) {
    return status(404, "NotFound", "pods \"" + name + "\" not found");
  }

  /** errors.NewTooManyRequests with the DisruptionBudget cause, as eviction.go checkAndDecrement. */
  private static MockResponse tooManyRequests(String budgetName, Budget b) {
    Status status = new StatusBuilder()
        .withStatus("Failure")
        .withCode(429)
        .withReason("TooManyRequests")
        .withMessage("Cannot evict pod as it would violate the pod's disruption budget.")
        .withNewDetails()
          .addNewCause()
            .withReason("DisruptionBudget")
            .withMessage("The disruption budget " + budgetName + " needs " + b.desiredHealthy()
                + " healthy pods and has " + b.currentHealthy() + " currently")
          .endCause()
        .endDetails()
        .build();
    return new MockResponse().setResponseCode(429).setBody(Serialization.asJson(status));
  }

  private static MockResponse status(int code, String reason, String message) {
    Status status = new StatusBuilder()
        .withStatus("Failure").withCode(code).withReason(reason.isEmpty() ? null : reason).withMessage(message)
        .build();
    return new MockResponse().setResponseCode(code).setBody(Serialization.asJson(status));
  }

  private static String podPath(String namespace, String name) {
    return "/api/v1/namespaces/" + namespace + "/pods/" + name;
  }

  private static String budgetPath(PodDisruptionBudget pdb) {
    return "/apis/policy/v1/namespaces/" + pdb.getMetadata().getNamespace() + "/" + BUDGETS + "/"
        + pdb.getMetadata().getName();
  }

  private static boolean isWrite(String method) {
    return !"GET".equals(method);
  }

  private static JsonNode readJson(RecordedRequest request) {
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    return RecordingDispatcher.readJson(new String(body, StandardCharsets.UTF_8));
  }
}
