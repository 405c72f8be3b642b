package tech.openrtc.operator.sim;

import java.time.Instant;

/**
 * One request to the mock API server.
 *
 * @param verb Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection
 * @param resource plural (pods, agentdeployments, events, ...); the path for discovery
 *     requests ({@code /version}, {@code /apis/agents.openrtc.tech/v1alpha1})
 * @param subresource e.g. status; null if none
 * @param namespace null for cluster-scoped or all-namespace requests
 * @param name null for collection requests
 */
public record RecordedCall(
    Instant at,
    String method,
    String verb,
    String resource,
    String subresource,
    String namespace,
    String name,
    String userAgent,
    String path) {

  public boolean isWrite() {
    return switch (verb) {
      case "create", "update", "patch", "delete", "deletecollection" -> true;
      default -> false;
    };
  }

  /** {@code "patch agentdeployments/status"}, {@code "list pods"}, ... */
  public String verbAndResource() {
    return verb + " " + resource + (subresource == null ? "" : "/" + subresource);
  }

  /**
   * The API group as RBAC names it: {@code ""} for the core group ({@code /api/v1/...}), else the
   * group of {@code /apis/<group>/<version>/...}; null for other paths (discovery, {@code /version}).
   */
  public String apiGroup() {
    String[] parts = path.split("[?]", 2)[0].split("/");
    if (parts.length > 2 && parts[1].equals("api")) {
      return "";
    }
    return parts.length > 3 && parts[1].equals("apis") ? parts[2] : null;
  }

  public boolean userAgentStartsWith(String prefix) {
    return prefix == null || prefix.isEmpty() || (userAgent != null && userAgent.startsWith(prefix));
  }
}
