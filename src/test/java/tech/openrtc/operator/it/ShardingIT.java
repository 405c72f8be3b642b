package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.LeaderElection;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.SigningKeySet;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.RecordedCall;

/**
 * Sharding: operators started with disjoint label selectors (`run --selector`) share nothing but
 * the API server. Each deployment is reconciled by exactly one of them, and a deployment
 * relabelled mid-rollout is released by one and adopted by the other from cluster state.
 */
class ShardingIT {

  private static final String UA_A = OperatorTestSupport.OPERATOR_UA + "/shard-a";
  private static final String UA_B = OperatorTestSupport.OPERATOR_UA + "/shard-b";

  private final OperatorTestSupport t = OperatorTestSupport.startWithoutOperator();
  private final List<AgentOperator> operators = new ArrayList<>();

  @AfterEach
  void close() {
    operators.forEach(AgentOperator::close);
    t.close();
  }

  private void startShards() {
    for (String[] shard : new String[][] {{UA_A, "shard=a"}, {UA_B, "shard=b"}}) {
      operators.add(AgentOperator.start(t.sim.newClient(shard[0]), Set.of(), -1, AgentOperator.DEFAULT_NAMESPACE,
          false, null, SigningKeySet.PUBLISH_DELAY, List.of(), shard[1]));
    }
  }

  private AgentDeployment inShard(String name, String shard) {
    AgentDeployment d = deployment(name, "v1", 2);
    d.getMetadata().setLabels(Map.of("shard", shard));
    return d;
  }

  /** The User-Agents that wrote the deployment's status. */
  private Set<String> statusWriters(String name) {
    return t.sim.requests().all().stream()
        .filter(c -> "agentdeployments".equals(c.resource()) && "status".equals(c.subresource())
            && name.equals(c.name()) && c.isWrite())
        .map(RecordedCall::userAgent)
        .map(ua -> ua.startsWith(UA_A) ? UA_A : ua.startsWith(UA_B) ? UA_B : ua)
        .collect(Collectors.toSet());
  }

  @Test
  void everyDeploymentIsReconciledByExactlyItsShard() {
    startShards();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String name = "agent-" + i;
      names.add(name);
      t.create(inShard(name, i % 2 == 0 ? "a" : "b"));
    }
    names.forEach(n -> t.awaitHealthyAt(n, "v1", Duration.ofSeconds(60)));
    names.forEach(n -> t.sim.calls(NS, n, CallProfile.uniform(0.5, Duration.ofSeconds(1), Duration.ofSeconds(3))));
    names.forEach(n -> t.setVersion(n, "v2"));
    names.forEach(n -> t.awaitHealthyAt(n, "v2", Duration.ofSeconds(90)));

    for (int i = 0; i < names.size(); i++) {
      assertThat(statusWriters(names.get(i))).as(names.get(i)).containsExactly(i % 2 == 0 ? UA_A : UA_B);
    }
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void aDeploymentRelabelledMidRolloutMovesShardWithNoCallCutAndNoPodCreatedTwice() {
    startShards();
    Set<String> created = ConcurrentHashMap.newKeySet();
    SharedIndexInformer<Pod> pods = t.user.pods().inNamespace(NS).withLabel(Names.LABEL_DEPLOYMENT, "mover")
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            created.add(pod.getMetadata().getName());
          }

          @Override
          public void onUpdate(Pod before, Pod after) {}

          @Override
          public void onDelete(Pod pod, boolean unknown) {}
        });
    try {
      t.create(inShard("mover", "a"));
      t.awaitHealthyAt("mover", "v1", Duration.ofSeconds(20));
      CallGenerator calls = t.sim.calls(NS, "mover", CallProfile.manual());
      assertThat(calls.placeCall(Duration.ofSeconds(8))).isPresent();
      t.setVersion("mover", "v2");
      await().atMost(Duration.ofSeconds(15)).until(() -> t.pods("mover", p -> OperatorTestSupport.version(p).equals("v1"))
          .stream().anyMatch(OperatorTestSupport::draining));

      t.user.resources(AgentDeployment.class).inNamespace(NS).withName("mover")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"shard\":\"b\"}}}");

      t.awaitHealthyAt("mover", "v2", Duration.ofSeconds(30));
      assertThat(statusWriters("mover")).as("both shards wrote it, in turn").containsExactlyInAnyOrder(UA_A, UA_B);
      assertThat(created).as("pods created: 2 of v1, 2 of v2, none twice").hasSize(4);
      t.assertNoCallCut();
      t.assertNoBusyPodDeleted();
      assertThat(t.sim.ledger().completed()).isEqualTo(1);
    } finally {
      pods.stop();
    }
  }

  @Test
  void eachShardHasItsOwnLease() {
    assertThat(LeaderElection.leaseNameFor(null)).isEqualTo(LeaderElection.LEASE_NAME);
    assertThat(LeaderElection.leaseNameFor("shard=a")).startsWith(LeaderElection.LEASE_NAME + "-shard-")
        .isNotEqualTo(LeaderElection.leaseNameFor("shard=b"))
        .isEqualTo(LeaderElection.leaseNameFor(" shard=a "));
  }
}
