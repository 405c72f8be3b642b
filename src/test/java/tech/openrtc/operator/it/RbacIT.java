package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.it.ApiCalls.ApiCall;
import tech.openrtc.operator.sim.CallProfile;

/**
 * RBAC cannot drift from the code: every API call the operator made in this test run (all IT
 * classes, see {@link ApiCalls}) must be allowed by the ClusterRole in manifests/ and by the
 * namespaced Role. Runs last (junit-platform.properties orders classes by @Order) so it sees them
 * all, and runs a scenario of its own so it means something when run alone.
 */
@Order(Integer.MAX_VALUE)
class RbacIT {

  private static final Path CLUSTER_ROLE = Path.of("manifests", "clusterrole.yaml");
  private static final Path ROLE = Path.of("manifests", "namespaced", "role.yaml");

  /**
   * What every authenticated user may do through the built-in roles, so no role of ours grants it:
   * SelfSubjectRulesReview (system:basic-user; JOSDK's leader election checks its Lease rights
   * with one) and discovery (system:discovery).
   */
  private static boolean builtIn(ApiCall c) {
    if (c.nonResource()) {
      return c.verb().equals("get") && (c.resource().equals("/version") || c.resource().startsWith("/api"));
    }
    return c.verb().equals("create") && c.group().equals("authorization.k8s.io")
        && Set.of("selfsubjectrulesreviews", "selfsubjectaccessreviews").contains(c.resource());
  }

  @Test
  void everyCallTheOperatorMadeIsAllowedByTheClusterRoleAndTheRole() throws Exception {
    rolloutDrainHandoverAndRollback();
    Set<ApiCall> calls = ApiCalls.seen();
    String table = ApiCalls.table(calls);
    System.out.println("API calls the operator made in this test run:\n" + table);
    Files.createDirectories(Path.of("target", "rbac"));
    Files.writeString(Path.of("target", "rbac", "api-calls.tsv"), table);

    assertThat(calls).as("calls recorded").extracting(ApiCall::resource)
        .contains("pods", "agentdeployments/status", "leases", "poddisruptionbudgets", "nodes");
    for (Path file : List.of(CLUSTER_ROLE, ROLE)) {
      List<PolicyRule> rules = rules(file);
      List<ApiCall> denied = calls.stream().filter(c -> !builtIn(c) && !allowed(rules, c))
          // A Role cannot grant cluster-scoped Nodes: a namespaced install is refused its one list
          // of them and runs without evacuation (NodeAccess), so it never watches them.
          .filter(c -> !(file.equals(ROLE) && c.resource().equals("nodes")))
          .collect(Collectors.toList());
      assertThat(denied).as("calls %s does not allow", file).isEmpty();
    }
  }

  @Test
  void theRolesGrantNoWildcardAndNoExec() throws Exception {
    for (Path file : List.of(CLUSTER_ROLE, ROLE)) {
      assertThat(rules(file)).as(file.toString()).isNotEmpty().allSatisfy(rule -> {
        assertThat(rule.getVerbs()).doesNotContain("*");
        assertThat(rule.getApiGroups()).doesNotContain("*");
        assertThat(rule.getResources()).noneMatch(r -> r.contains("*")).doesNotContain("pods/exec");
      });
    }
  }

  /**
   * An operator handing over to a standby mid-rollout (each labelling its own pod while it leads),
   * drains that wait for a call, and a rollback.
   */
  private static void rolloutDrainHandoverAndRollback() {
    try (OperatorTestSupport t = OperatorTestSupport.startWithoutOperator()) {
      AgentOperator first = t.startReplicaInPod("rbac-1");
      await().atMost(Duration.ofSeconds(10)).until(first::isLeader);
      AgentOperator second = t.startReplicaInPod("rbac-2");
      t.create(deployment("rbac", "v1", 1));
      t.awaitHealthyAt("rbac", "v1", Duration.ofSeconds(20));
      assertThat(t.sim.calls(NS, "rbac", CallProfile.manual()).placeCall(Duration.ofSeconds(2))).isPresent();
      t.setVersion("rbac", "v2");
      t.awaitHealthyAt("rbac", "v2", Duration.ofSeconds(20));

      first.close();
      await().atMost(Duration.ofSeconds(15)).until(second::isLeader);
      t.user.resources(AgentDeployment.class).inNamespace(NS).withName("rbac").patch(PatchContext.of(PatchType.JSON_MERGE),
          Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(Names.ANNOTATION_ROLLBACK_TO, "1")))));
      t.awaitHealthyAt("rbac", "v1", Duration.ofSeconds(20));
    }
  }

  private static List<PolicyRule> rules(Path file) throws Exception {
    String yaml = Files.readString(file);
    return file.equals(ROLE) ? Serialization.unmarshal(yaml, Role.class).getRules()
        : Serialization.unmarshal(yaml, ClusterRole.class).getRules();
  }

  private static boolean allowed(List<PolicyRule> rules, ApiCall c) {
    // Rules naming resourceNames are not matched: such a rule cannot allow list, watch or create.
    return !c.nonResource() && rules.stream().anyMatch(r -> r.getApiGroups().contains(c.group())
        && r.getResources().contains(c.resource()) && r.getVerbs().contains(c.verb())
        && (r.getResourceNames() == null || r.getResourceNames().isEmpty()));
  }
}
