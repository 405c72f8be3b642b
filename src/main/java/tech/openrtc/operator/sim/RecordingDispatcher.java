package tech.openrtc.operator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mock API server's CRUD dispatcher, recording every request before it is served.
 *
 * <p>Like fabric8's KubernetesMixedDispatcher it first serves the fixed expectations the mock
 * server registers for itself ({@code /version}, {@code /}), then what the mock server lacks for
 * pods ({@link PodApi}: graceful deletion, binding, eviction), then everything else from the
 * in-memory store. {@link ApiFaults} may refuse or delay a request between its recording and its
 * serving.
 */
final class RecordingDispatcher extends KubernetesCrudDispatcher implements PodApi.Store {

  private static final Logger log = LoggerFactory.getLogger(RecordingDispatcher.class);

  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final MockDispatcher expectationDispatcher;
  private final RequestLog requests;
  private final CallLedger ledger;
  private final PodApi podApi;
  private final NameIndexedStore store;
  private final ApiFaults faults = new ApiFaults();

  RecordingDispatcher(
      Map<ServerRequest, Queue<ServerResponse>> expectations, RequestLog requests, CallLedger ledger) {
    this.expectations = expectations;
    this.expectationDispatcher = new MockDispatcher(expectations);
    this.requests = requests;
    this.ledger = ledger;
    this.podApi = new PodApi(this, requests, ledger);
    this.store = NameIndexedStore.installIn(this);
  }

  /** The object a create, update or patch names, from the name index rather than a scan of every object. */
  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    List<Map.Entry<AttributeSet, String>> named = store.named(query);
    if (named == null) {
      return super.findResource(query);
    }
    return named.isEmpty() ? null : named.get(0);
  }

  /**
   * A GET of one named object answered from the name index, as the mock server answers it (the
   * first match, 200, its stored JSON); watches, lists and misses (the mock's 404 Status) as before.
   */
  @Override
  public MockResponse handleGet(String path) {
    if (!path.contains("watch=")) {
      List<Map.Entry<AttributeSet, String>> named = store.named(getAttributeExtractor().fromPath(path));
      if (named != null && !named.isEmpty()) {
        return new MockResponse().setResponseCode(200).setBody(named.get(0).getValue());
      }
    }
    return super.handleGet(path);
  }

  PodApi podApi() {
    return podApi;
  }

  ApiFaults faults() {
    return faults;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    RecordedCall call = null;
    try {
      call = record(request);
    } catch (RuntimeException e) {
      // Recording is for tests; it must never break the API server.
      log.warn("could not record {}", request, e);
    }
    Queue<ServerResponse> expected =
        expectations.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (expected != null && !expected.isEmpty()) {
      recordPodDeletions(request);
      return expectationDispatcher.dispatch(request);
    }
    ApiFaults.Kind fault = call == null ? null : faults.take(call, request.getHeader("Upgrade") != null);
    if (fault != null && fault.refuses()) {
      return ApiFaults.refusal(fault, call); // not applied: no pod deletion to record
    }
    recordPodDeletions(request);
    long start = System.nanoTime();
    try {
      MockResponse served = podApi.serve(request, ParsedPath.parse(request.getPath()));
      if (served == null) {
        served = super.dispatch(request);
      }
      if (served.getWebSocketListener() != null) {
        return faults.tracked(request.getHeader("User-Agent"), served);
      }
      return fault == null ? served : ApiFaults.delayed(fault, served);
    } finally {
      requests.served(System.nanoTime() - start);
    }
  }

  /**
   * Fans a store change out to the watches, except a deletion {@link ApiFaults#loseDeletionEvent}
   * asked to lose: that object leaves the store and no watch hears of it.
   */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newResource) {
    if (resource == null && oldAttributes != null
        && faults.takeLostDeletion(ParsedPath.parse(path).resource,
            value(oldAttributes, "namespace"), value(oldAttributes, NameIndexedStore.NAME))) {
      getMap().remove(oldAttributes);
      return;
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, newResource);
  }

  private static String value(AttributeSet attributes, String key) {
    Attribute a = attributes.getAttribute(key);
    return a == null || a.getValues().isEmpty() ? null : a.getValues().get(0).toString();
  }

  /**
   * Pods and PodDisruptionBudgets, like custom resources with a status subresource, keep their status on writes to the
   * main resource (as the real API server does): only the kubelet, through pods/status, sets it.
   * Without this a stale PUT of a pod would wipe the status the kubelet wrote.
   */
  @Override
  public boolean isStatusSubresourceEnabledForResource(String path) {
    ParsedPath p = ParsedPath.parse(path);
    if (p.pathWithoutQuery.startsWith("/api/v1/") && "pods".equals(p.resource)) {
      return true;
    }
    if (p.pathWithoutQuery.startsWith("/apis/policy/v1/") && PodApi.BUDGETS.equals(p.resource)) {
      return true;
    }
    return super.isStatusSubresourceEnabledForResource(path);
  }

  /**
   * JSON merge patch as RFC 7386 and the real API server define it: {@code null} removes a key
   * and an array replaces the old one. (The mock server's own merge stores the null and appends
   * to arrays, so a patch could never remove an annotation or a finalizer.)
   */
  @Override
  public JsonNode merge(JsonNode current, String patch) throws KubernetesCrudDispatcherException {
    return mergePatch(current.deepCopy(), asNode(patch));
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject()
        ? (ObjectNode) target
        : Serialization.jsonMapper().createObjectNode();
    patch.fields().forEachRemaining(field -> {
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    });
    return result;
  }

  // ---- PodApi.Store: the store as this dispatcher serves it, without recording a request

  @Override
  public JsonNode get(String path) {
    MockResponse found = handleGet(path);
    if (found.code() != 200 || found.getBody() == null) {
      return null;
    }
    return readJson(new String(found.getBody().getBytes(), StandardCharsets.UTF_8));
  }

  @Override
  public List<JsonNode> list(String path) {
    List<JsonNode> items = new ArrayList<>();
    JsonNode found = get(path);
    if (found != null) {
      found.path("items").forEach(items::add);
    }
    return items;
  }

  @Override
  public MockResponse mergePatch(String path, JsonNode patch) {
    Headers headers = Headers.builder().add("Content-Type", "application/merge-patch+json").build();
    byte[] body = patch.toString().getBytes(StandardCharsets.UTF_8);
    return super.handlePatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, path, headers, new Buffer(body)));
  }

  @Override
  public MockResponse delete(String path) {
    return super.handleDelete(path);
  }

  private RecordedCall record(RecordedRequest request) {
    Instant now = Instant.now();
    String method = request.getMethod();
    String fullPath = request.getPath();
    ParsedPath p = ParsedPath.parse(fullPath);
    String verb = verb(method, p);
    RecordedCall call = new RecordedCall(
        now, method, verb, p.resource, p.subresource, p.namespace, p.name,
        request.getHeader("User-Agent"), fullPath);
    requests.add(call);
    return call;
  }

  private void recordPodDeletions(RecordedRequest request) {
    try {
      ParsedPath p = ParsedPath.parse(request.getPath());
      if ("pods".equals(p.resource) && p.subresource == null && "DELETE".equals(request.getMethod())) {
        recordPodDeletions(request, p, Instant.now());
      }
    } catch (RuntimeException e) {
      log.warn("could not record {}", request, e);
    }
  }

  /**
   * Looks the pod(s) up before the delete is served: their uid and whether they are already being
   * deleted, and how many calls they hold right now.
   */
  private void recordPodDeletions(RecordedRequest request, ParsedPath p, Instant now) {
    Long grace = gracePeriod(request, p);
    // getBytes() leaves the body in place for the handler that serves the request.
    String lookupPath = p.name != null ? p.pathWithoutQuery : request.getPath();
    MockResponse current = super.handleGet(lookupPath);
    if (current.code() != 200 || current.getBody() == null) {
      return; // nothing to delete: not a deletion
    }
    JsonNode found = readJson(new String(current.getBody().getBytes(), StandardCharsets.UTF_8));
    List<JsonNode> pods = new ArrayList<>();
    if (found.has("items")) {
      found.get("items").forEach(pods::add);
    } else {
      pods.add(found);
    }
    for (JsonNode pod : pods) {
      JsonNode meta = pod.path("metadata");
      String ns = meta.path("namespace").asText(p.namespace);
      String name = meta.path("name").asText();
      boolean repeat = meta.hasNonNull("deletionTimestamp");
      int live = (int) ledger.liveOnPod(ns, name);
      requests.addDeletion(
          new PodDeletion(ns, name, grace, live, now, repeat, false), meta.path("uid").asText(null));
    }
  }

  /** gracePeriodSeconds from the DeleteOptions body, else from the query string; null if absent. */
  static Long gracePeriod(RecordedRequest request, ParsedPath p) {
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    if (body.length > 0) {
      JsonNode options = readJson(new String(body, StandardCharsets.UTF_8));
      if (options.path("gracePeriodSeconds").isNumber()) {
        return options.get("gracePeriodSeconds").asLong();
      }
    }
    String q = p.query.get("gracePeriodSeconds");
    if (q != null) {
      try {
        return Long.parseLong(q);
      } catch (NumberFormatException ignored) {
        return null;
      }
    }
    return null;
  }

  static JsonNode readJson(String text) {
    try {
      return Serialization.jsonMapper().readTree(text);
    } catch (Exception e) {
      return Serialization.jsonMapper().createObjectNode();
    }
  }

  private static String verb(String method, ParsedPath p) {
    if (p.resource.startsWith("/")) {
      return method.toLowerCase(); // discovery
    }
    return switch (method) {
      case "GET" -> p.name != null ? "get" : "true".equals(p.query.get("watch")) ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> p.name != null ? "delete" : "deletecollection";
      default -> method.toLowerCase();
    };
  }

  /** A Kubernetes API path taken apart: /api/v1/namespaces/ns/pods/name/status?query. */
  static final class ParsedPath {
    String resource = "";
    String subresource;
    String namespace;
    String name;
    String pathWithoutQuery;
    final Map<String, String> query = new java.util.HashMap<>();

    static ParsedPath parse(String fullPath) {
      ParsedPath p = new ParsedPath();
      int q = fullPath.indexOf('?');
      p.pathWithoutQuery = q < 0 ? fullPath : fullPath.substring(0, q);
      if (q >= 0) {
        for (String pair : fullPath.substring(q + 1).split("&")) {
          int eq = pair.indexOf('=');
          String key = eq < 0 ? pair : pair.substring(0, eq);
          String value = eq < 0 ? "" : pair.substring(eq + 1);
          p.query.put(key, URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
      }
      String[] parts = p.pathWithoutQuery.replaceAll("^/+|/+$", "").split("/");
      // core group: api/v1/...; named groups: apis/group/version/...
      int i;
      if (parts.length >= 2 && parts[0].equals("api")) {
        i = 2;
      } else if (parts.length >= 3 && parts[0].equals("apis")) {
        i = 3;
      } else {
        p.resource = p.pathWithoutQuery; // discovery: /, /api, /version, ...
        return p;
      }
      if (parts.length > i + 2 && parts[i].equals("namespaces")) {
        p.namespace = parts[i + 1];
        i += 2;
      }
      if (parts.length > i) {
        p.resource = parts[i];
      } else {
        p.resource = p.pathWithoutQuery; // discovery: /apis/group/version
      }
      if (parts.length > i + 1) {
        p.name = parts[i + 1];
      }
      if (parts.length > i + 2) {
        p.subresource = parts[i + 2];
      }
      return p;
    }
  }
}
