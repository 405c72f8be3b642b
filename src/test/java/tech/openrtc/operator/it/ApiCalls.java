package tech.openrtc.operator.it;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import tech.openrtc.operator.sim.RecordedCall;

/**
 * Every kind of Kubernetes API call the operator made in this test run, as RBAC sees it. Each
 * {@link OperatorTestSupport} adds its cluster's operator traffic when it closes; {@link RbacIT},
 * ordered last, checks the lot against manifests/. Kept in memory: surefire runs every test class
 * in one JVM, and a file under target/ would also hold calls from earlier runs of older code.
 */
final class ApiCalls {

  /**
   * @param group the API group ({@code ""} for core); null for a non-resource URL (discovery)
   * @param resource plural, with {@code /subresource} if any; the path for a non-resource URL
   */
  record ApiCall(String verb, String group, String resource) {

    static ApiCall of(RecordedCall c) {
      if (c.resource().startsWith("/")) {
        return new ApiCall(c.verb(), null, c.resource());
      }
      return new ApiCall(c.verb(), c.apiGroup(), c.subresource() == null ? c.resource() : c.resource() + "/" + c.subresource());
    }

    boolean nonResource() {
      return group == null;
    }
  }

  private static final Set<ApiCall> SEEN = ConcurrentHashMap.newKeySet();

  private ApiCalls() {
  }

  /** Adds the calls made by clients whose User-Agent starts with the prefix. */
  static void add(List<RecordedCall> calls, String userAgentPrefix) {
    calls.stream().filter(c -> c.userAgentStartsWith(userAgentPrefix)).map(ApiCall::of).forEach(SEEN::add);
  }

  static Set<ApiCall> seen() {
    return Set.copyOf(SEEN);
  }

  /** One line per API group and resource, with the verbs used, like the rules of a Role. */
  static String table(Collection<ApiCall> calls) {
    Map<String, Set<String>> verbs = new TreeMap<>();
    for (ApiCall c : calls) {
      String group = c.nonResource() ? "(non-resource URL)" : "\"" + c.group() + "\"";
      verbs.computeIfAbsent(group + "\t" + c.resource(), k -> new TreeSet<>()).add(c.verb());
    }
    StringBuilder out = new StringBuilder("API group\tresource\tverbs\n");
    verbs.forEach((groupAndResource, v) -> out.append(groupAndResource).append('\t').append(String.join(", ", v)).append('\n'));
    return out.toString();
  }
}
