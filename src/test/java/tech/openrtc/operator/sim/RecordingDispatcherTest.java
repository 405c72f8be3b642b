package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static tech.openrtc.operator.sim.SimTestSupport.NS;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.get;
import static tech.openrtc.operator.sim.SimTestSupport.isReady;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class RecordingDispatcherTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void parsesKubernetesPaths() {
    var p = RecordingDispatcher.ParsedPath.parse("/api/v1/namespaces/voice/pods/a/status?dryRun=All");
    assertThat(p.namespace).isEqualTo("voice");
    assertThat(p.resource).isEqualTo("pods");
    assertThat(p.name).isEqualTo("a");
    assertThat(p.subresource).isEqualTo("status");
    assertThat(p.query).containsEntry("dryRun", "All");

    p = RecordingDispatcher.ParsedPath.parse("/apis/agents.openrtc.tech/v1alpha1/agentdeployments?watch=true");
    assertThat(p.namespace).isNull();
    assertThat(p.resource).isEqualTo("agentdeployments");
    assertThat(p.name).isNull();

    p = RecordingDispatcher.ParsedPath.parse("/api/v1/namespaces/voice");
    assertThat(p.resource).isEqualTo("namespaces");
    assertThat(p.name).isEqualTo("voice");

    p = RecordingDispatcher.ParsedPath.parse("/apis/agents.openrtc.tech/v1alpha1");
    assertThat(p.resource).isEqualTo("/apis/agents.openrtc.tech/v1alpha1");
  }

  @Test
  void mergePatchFollowsRfc7386() throws Exception {
    JsonNode target = JSON.readTree("{\"a\":{\"b\":1,\"c\":2},\"list\":[1,2],\"keep\":true}");
    JsonNode patch = JSON.readTree("{\"a\":{\"b\":null,\"d\":3},\"list\":[3]}");
    assertThat(RecordingDispatcher.mergePatch(target, patch))
        .isEqualTo(JSON.readTree("{\"a\":{\"c\":2,\"d\":3},\"list\":[3],\"keep\":true}"));
  }

  /** What the sim changes in the stock mock server, seen through a client. */
  @Test
  void mockServerBehavesLikeAnApiServerForPatchesAndPodStatus() {
    try (SimCluster sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(100)).withWorkerPort(28082))) {
      KubernetesClient client = sim.newClient("test");
      Pod p = pod("a", "1.0", Map.of("x", "1", "y", "2"));
      p.getMetadata().setFinalizers(List.of("example.com/other"));
      create(client, p);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> isReady(get(client, "a")));

      // null removes an annotation; an array replaces the old one
      client.pods().inNamespace(NS).withName("a").patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"annotations\":{\"x\":null},\"finalizers\":[\"" + SimKubelet.FINALIZER + "\"]}}");
      Pod patched = get(client, "a");
      assertThat(patched.getMetadata().getAnnotations()).doesNotContainKey("x").containsEntry("y", "2");
      assertThat(patched.getMetadata().getFinalizers()).containsExactly(SimKubelet.FINALIZER);

      // a stale update of the pod does not wipe the status the kubelet wrote
      patched.setStatus(null);
      patched.getMetadata().setResourceVersion(null);
      client.pods().inNamespace(NS).resource(patched).update();
      assertThat(isReady(get(client, "a"))).isTrue();
    }
  }
}
