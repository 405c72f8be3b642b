package tech.openrtc.operator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.sim.SimTestSupport.NS;
import static tech.openrtc.operator.sim.SimTestSupport.DEPLOYMENT;
import static tech.openrtc.operator.sim.SimTestSupport.create;
import static tech.openrtc.operator.sim.SimTestSupport.get;
import static tech.openrtc.operator.sim.SimTestSupport.getWorker;
import static tech.openrtc.operator.sim.SimTestSupport.isReady;
import static tech.openrtc.operator.sim.SimTestSupport.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.drain.InFlightParser;

class SimClusterTest {

  private static final int WORKER_PORT = 28081;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SimCluster sim;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(300))
        .withWorkerPort(WORKER_PORT));
    client = sim.newClient("test-operator");
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private SimWorker readyWorker(String name, Map<String, String> annotations) {
    create(client, pod(name, "1.0", annotations));
    await().atMost(Duration.ofSeconds(5)).until(() -> isReady(get(client, name)));
    return sim.kubelet().worker(NS, name).orElseThrow();
  }

  private int activeJobs(String podIp) throws Exception {
    HttpResponse<String> response = getWorker(podIp, WORKER_PORT, Duration.ofSeconds(2));
    assertThat(response.statusCode()).isEqualTo(200);
    return JSON.readTree(response.body()).path("active_jobs").asInt(0);
  }

  @Test
  void podBecomesReadyOnItsOwnLoopbackIpAndServesWorker() throws Exception {
    Pod created = create(client, pod("a", "1.0", Map.of()));
    assertThat(isReady(created)).isFalse();

    await().atMost(Duration.ofSeconds(5)).until(() -> isReady(get(client, "a")));
    Pod pod = get(client, "a");
    assertThat(pod.getStatus().getPodIP()).matches("127\\.\\d+\\.\\d+\\.\\d+").isNotEqualTo("127.0.0.1");
    assertThat(pod.getMetadata().getFinalizers()).contains(SimKubelet.FINALIZER);
    assertThat(pod.getStatus().getStartTime()).isNotBlank();
    assertThat(pod.getStatus().getContainerStatuses()).allMatch(c -> c.getReady());
    PodCondition ready = pod.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    assertThat(ready.getLastTransitionTime()).isNotBlank();

    SimWorker worker = sim.kubelet().worker(NS, "a").orElseThrow();
    assertThat(worker.podIP()).isEqualTo(pod.getStatus().getPodIP());
    assertThat(worker.version()).isEqualTo("1.0");
    assertThat(worker.revision()).isEqualTo("rev-1.0");
    assertThat(worker.deployment()).isEqualTo(DEPLOYMENT);
    assertThat(worker.accepting()).isTrue();

    JsonNode body = JSON.readTree(getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(2)).body());
    assertThat(body.path("agent_name").asText()).isEqualTo(DEPLOYMENT);
    assertThat(body.path("worker_type").asText()).isEqualTo("JT_ROOM");
    assertThat(body.path("active_jobs").isInt()).isTrue();
    assertThat(body.path("active_jobs").asInt()).isZero();
    assertThat(body.path("sdk_version").isTextual()).isTrue();
    assertThat(body.path("project_type").asText()).isEqualTo("python");
  }

  @Test
  void twoPodsGetDistinctIps() {
    readyWorker("a", Map.of());
    readyWorker("b", Map.of());
    assertThat(get(client, "a").getStatus().getPodIP()).isNotEqualTo(get(client, "b").getStatus().getPodIP());
  }

  @Test
  void neverReadyAndStartupDelayAnnotations() {
    create(client, pod("slow", "1.0", Map.of(SimKubelet.ANNOTATION_STARTUP_DELAY_MS, "1500")));
    create(client, pod("never", "1.0", Map.of(SimKubelet.ANNOTATION_NEVER_READY, "true")));
    await().atMost(Duration.ofSeconds(3)).until(() -> {
      Pod p = get(client, "never");
      return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
    });
    assertThat(isReady(get(client, "never"))).isFalse();
    assertThat(isReady(get(client, "slow"))).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> isReady(get(client, "slow")));
    assertThat(isReady(get(client, "never"))).isFalse();
    assertThat(sim.kubelet().worker(NS, "never").orElseThrow().accepting()).isFalse();
  }

  @Test
  void workerReportsActiveJobsWhileCallsRun() throws Exception {
    SimWorker worker = readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());

    assertThat(calls.placeCall(Duration.ofSeconds(30))).isPresent();
    assertThat(calls.placeCall(Duration.ofMillis(600))).isPresent();
    assertThat(activeJobs(worker.podIP())).isEqualTo(2);
    assertThat(sim.ledger().liveOnPod(NS, "a")).isEqualTo(2);

    await().atMost(Duration.ofSeconds(3)).until(() -> activeJobs(worker.podIP()) == 1);
    assertThat(sim.ledger().completed()).isEqualTo(1);
    assertThat(sim.ledger().lastCallEndOnPod(NS, "a")).isPresent();
  }

  @Test
  void drainAnnotationStopsNewCallsButKeepsLiveOnes() {
    SimWorker worker = readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    calls.placeCall(Duration.ofSeconds(30)).orElseThrow();

    client.pods().inNamespace(NS).withName("a").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + Names.ANNOTATION_DRAIN + "\":\"true\"}}}");

    await().atMost(Duration.ofSeconds(3)).until(() -> !worker.accepting());
    assertThat(worker.draining()).isTrue();
    assertThat(worker.activeCalls()).isEqualTo(1);
    assertThat(calls.placeCall(Duration.ofSeconds(1))).isEmpty();
    assertThat(sim.ledger().rejected()).isEqualTo(1);

    // Draining is one-way: taking the annotation off does not bring the worker back.
    client.pods().inNamespace(NS).withName("a").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + Names.ANNOTATION_DRAIN + "\":\"false\"}}}");
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !worker.accepting());
  }

  @Test
  void callsGoToTheLeastLoadedAcceptingWorkerOfTheDeployment() {
    SimWorker a = readyWorker("a", Map.of());
    SimWorker b = readyWorker("b", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    for (int i = 0; i < 6; i++) {
      calls.placeCall(Duration.ofSeconds(30)).orElseThrow();
    }
    assertThat(a.activeCalls()).isEqualTo(3);
    assertThat(b.activeCalls()).isEqualTo(3);

    CallGenerator other = sim.calls(NS, "other", CallProfile.manual());
    assertThat(other.placeCall(Duration.ofSeconds(1))).isEmpty();
    assertThat(other.rejected()).isEqualTo(1);
  }

  @Test
  void poissonArrivalsPlaceCalls() {
    readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT,
        CallProfile.uniform(20, Duration.ofMillis(100), Duration.ofMillis(300)).withSeed(7));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.ledger().completed() >= 5);
    calls.setRate(0);
    long placed = calls.placed();
    await().atMost(Duration.ofSeconds(3)).until(() -> sim.ledger().live() == 0);
    assertThat(calls.placed()).isEqualTo(placed);
    assertThat(sim.ledger().cut()).isZero();
  }

  @Test
  void deletedPodWaitsForItsCallsThenDisappears() throws Exception {
    SimWorker worker = readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    Call call = calls.placeCall(Duration.ofMillis(1500)).orElseThrow();

    client.pods().inNamespace(NS).withName("a").delete();

    await().atMost(Duration.ofSeconds(2)).until(worker::terminating);
    Pod terminating = get(client, "a");
    assertThat(terminating).isNotNull();
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(calls.placeCall(Duration.ofSeconds(1))).isEmpty(); // SIGTERM: no new calls
    assertThat(activeJobs(worker.podIP())).isEqualTo(1);

    await().atMost(Duration.ofSeconds(5)).until(() -> get(client, "a") == null);
    assertThat(sim.ledger().records()).singleElement().satisfies(r -> {
      assertThat(r.call()).isEqualTo(call);
      assertThat(r.outcome()).isEqualTo(CallRecord.Outcome.COMPLETED);
    });
    assertThat(sim.ledger().cut()).isZero();
    assertThat(worker.alive()).isFalse();

    assertThat(sim.requests().podDeletions()).singleElement().satisfies(d -> {
      assertThat(d.name()).isEqualTo("a");
      assertThat(d.liveCallsAtRequest()).isEqualTo(1);
      assertThat(d.repeat()).isFalse();
    });
  }

  @Test
  void idlePodIsGoneSoonAfterDeleteAndRepeatsAreFlagged() {
    readyWorker("a", Map.of());
    client.pods().inNamespace(NS).withName("a").withGracePeriod(20).delete();
    client.pods().inNamespace(NS).withName("a").delete(); // may land before or after removal
    await().atMost(Duration.ofSeconds(3)).until(() -> get(client, "a") == null);

    var deletions = sim.requests().podDeletions();
    assertThat(deletions.get(0).gracePeriodSeconds()).isEqualTo(20L);
    assertThat(deletions.get(0).liveCallsAtRequest()).isZero();
    assertThat(deletions.get(0).repeat()).isFalse();
    assertThat(deletions.subList(1, deletions.size())).allMatch(PodDeletion::repeat);
  }

  @Test
  void gracePeriodFromTheDeleteRequestCutsALongCall() {
    readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    calls.placeCall(Duration.ofMinutes(5)).orElseThrow();

    client.pods().inNamespace(NS).withName("a").withGracePeriod(1).delete();

    await().atMost(Duration.ofSeconds(5)).until(() -> get(client, "a") == null);
    assertThat(sim.ledger().cut()).isEqualTo(1);
    assertThat(sim.ledger().records().get(0).outcome()).isEqualTo(CallRecord.Outcome.CUT);
    assertThat(sim.requests().podDeletions().get(0).gracePeriodSeconds()).isEqualTo(1L);
  }

  @Test
  void removingTheFinalizerUnderALiveWorkerCutsItsCalls() {
    readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    calls.placeCall(Duration.ofMinutes(5)).orElseThrow();
    client.pods().inNamespace(NS).withName("a").delete();
    await().atMost(Duration.ofSeconds(2))
        .until(() -> get(client, "a").getMetadata().getDeletionTimestamp() != null);

    client.pods().inNamespace(NS).withName("a").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");

    await().atMost(Duration.ofSeconds(3)).until(() -> sim.ledger().cut() == 1);
    assertThat(get(client, "a")).isNull();
  }

  @Test
  void crashFailsThePodAndCutsItsCalls() {
    SimWorker worker = readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    calls.placeCall(Duration.ofMinutes(5)).orElseThrow();
    calls.placeCall(Duration.ofMinutes(5)).orElseThrow();

    worker.crash();

    assertThat(sim.ledger().cut()).isEqualTo(2);
    assertThat(sim.ledger().liveOnPod(NS, "a")).isZero();
    await().atMost(Duration.ofSeconds(3)).until(() -> "Failed".equals(get(client, "a").getStatus().getPhase()));
    assertThat(isReady(get(client, "a"))).isFalse();
    assertThatThrownBy(() -> getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(1)))
        .isInstanceOf(ConnectException.class);

    // A failed pod is deleted at once: nothing to wait for.
    client.pods().inNamespace(NS).withName("a").delete();
    await().atMost(Duration.ofSeconds(3)).until(() -> get(client, "a") == null);
  }

  @Test
  void crashAfterAnnotation() {
    create(client, pod("a", "1.0", Map.of(SimKubelet.ANNOTATION_FAULT, "crash-after-ms:600")));
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      Pod p = get(client, "a");
      return p.getStatus() != null && "Failed".equals(p.getStatus().getPhase());
    });
  }

  @Test
  void garbageFault() throws Exception {
    SimWorker worker = readyWorker("a", Map.of(SimKubelet.ANNOTATION_FAULT, "garbage"));
    HttpResponse<String> response = getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(2));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> JSON.readTree(response.body())).isInstanceOf(Exception.class);
  }

  @Test
  void hangFaultTimesOutUntilCleared() throws Exception {
    SimWorker worker = readyWorker("a", Map.of());
    worker.setFault(Fault.HANG);
    assertThatThrownBy(() -> getWorker(worker.podIP(), WORKER_PORT, Duration.ofMillis(500)))
        .isInstanceOf(HttpTimeoutException.class);
    worker.setFault(Fault.NONE);
    assertThat(activeJobs(worker.podIP())).isZero();
  }

  @Test
  void refuseFaultClosesTheListenerUntilCleared() throws Exception {
    SimWorker worker = readyWorker("a", Map.of(SimKubelet.ANNOTATION_FAULT, "refuse"));
    assertThatThrownBy(() -> getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(1)))
        .isInstanceOf(ConnectException.class);
    worker.setFault(Fault.NONE);
    assertThat(activeJobs(worker.podIP())).isZero();
  }

  @Test
  void numberFormatFaults() throws Exception {
    SimWorker worker = readyWorker("a", Map.of());
    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());

    worker.setFault(Fault.OMIT_FIELD);
    String omitted = getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(2)).body();
    assertThat(JSON.readTree(omitted).has("active_jobs")).isFalse();
    // Still recognisably a worker's answer, so the missing count reads 0.
    assertThat(InFlightParser.fromWorkerJson(omitted, "active_jobs", DEPLOYMENT).count()).isZero();

    calls.placeCall(Duration.ofMinutes(1)).orElseThrow();
    assertThat(JSON.readTree(getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(2)).body())
        .path("active_jobs").asInt()).isEqualTo(1);

    worker.setFault(Fault.FLOAT);
    assertThat(getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(2)).body()).contains("\"active_jobs\":1.0");

    worker.setFault(Fault.LIE_ZERO);
    assertThat(activeJobs(worker.podIP())).isZero();
    assertThat(worker.activeCalls()).isEqualTo(1);
  }

  @Test
  void inFlightAnnotationMode() {
    SimWorker worker = readyWorker("a", Map.of(SimKubelet.ANNOTATION_REPORT_IN_FLIGHT, "annotation"));
    await().atMost(Duration.ofSeconds(3)).until(() -> "0".equals(inFlightAnnotation("a")));

    CallGenerator calls = sim.calls(NS, DEPLOYMENT, CallProfile.manual());
    calls.placeCall(Duration.ofMillis(800)).orElseThrow();
    calls.placeCall(Duration.ofMinutes(1)).orElseThrow();
    await().atMost(Duration.ofSeconds(3)).until(() -> "2".equals(inFlightAnnotation("a")));
    await().atMost(Duration.ofSeconds(3)).until(() -> "1".equals(inFlightAnnotation("a")));
    assertThat(worker.activeCalls()).isEqualTo(1);
    assertThat(sim.requests().writesBy(SimCluster.WORKER_USER_AGENT)).isGreaterThanOrEqualTo(3);
  }

  private String inFlightAnnotation(String pod) {
    Map<String, String> annotations = get(client, pod).getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Names.ANNOTATION_IN_FLIGHT);
  }

  @Test
  void requestLogAttributesRequestsByUserAgent() {
    sim.requests().reset();
    create(client, pod("a", "1.0", Map.of()));
    // Once the kubelet has written its status (a busy machine may bind the pod late).
    await().atMost(Duration.ofSeconds(10)).until(() -> get(client, "a").getStatus() != null
        && "Running".equals(get(client, "a").getStatus().getPhase()));
    client.pods().inNamespace(NS).list();
    client.pods().inNamespace(NS).withName("a").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    client.pods().inNamespace(NS).withName("a").delete();
    await().atMost(Duration.ofSeconds(3)).until(() -> get(client, "a") == null);

    Map<String, Long> mine = sim.requests().countsByVerbAndResource("test-operator");
    assertThat(mine).containsEntry("create pods", 1L)
        .containsEntry("patch pods", 1L)
        .containsEntry("list pods", 1L)
        .containsEntry("delete pods", 1L);
    assertThat(mine.get("get pods")).isGreaterThanOrEqualTo(1L);
    assertThat(sim.requests().writesBy("test-operator")).isEqualTo(3);
    assertThat(sim.requests().writesBy(SimCluster.USER_AGENT)).isPositive();
    assertThat(sim.requests().countsByVerbAndResource(SimKubelet.USER_AGENT))
        .containsKeys("patch pods/status", "patch pods");
    assertThat(sim.requests().all()).allMatch(c -> c.userAgent() != null);
  }

  @Test
  void customResourceStatusSubresourceWorks() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        getClass().getClassLoader().getResource(SimCluster.CRD_RESOURCE) != null, "CRD not generated");
    var agd = client.genericKubernetesResources("agents.openrtc.tech/v1alpha1", "AgentDeployment");
    agd.inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
        .withApiVersion("agents.openrtc.tech/v1alpha1").withKind("AgentDeployment")
        .withNewMetadata().withName(DEPLOYMENT).withNamespace(NS).endMetadata()
        .addToAdditionalProperties("spec", Map.of("version", "1.0", "replicas", 1))
        .build()).create();
    agd.inNamespace(NS).withName(DEPLOYMENT).subresource("status").patch(
        PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Healthy\"}}");
    // A write to the main resource must not touch the status.
    agd.inNamespace(NS).withName(DEPLOYMENT).patch(
        PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Nope\"},\"spec\":{\"replicas\":2}}");

    var stored = agd.inNamespace(NS).withName(DEPLOYMENT).get();
    assertThat(((Map<?, ?>) stored.getAdditionalProperties().get("status")).get("phase")).isEqualTo("Healthy");
    assertThat(sim.requests().countsByVerbAndResource("test-operator"))
        .containsEntry("patch agentdeployments/status", 1L)
        .containsEntry("patch agentdeployments", 1L);
  }

  @Test
  void kubeconfigPointsAtTheSim(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("kubeconfig");
    sim.writeKubeconfig(file);
    Config config = Config.fromKubeconfig(null, Files.readString(file), file.toString());
    assertThat(config.getMasterUrl()).isEqualTo(sim.masterUrl());
    assertThat(config.getNamespace()).isEqualTo("default");
    try (KubernetesClient fromFile = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(config).build()) {
      create(client, pod("a", "1.0", Map.of()));
      assertThat(fromFile.pods().inNamespace(NS).withName("a").get()).isNotNull();
    }
  }

  @Test
  void closeStopsWorkers() throws Exception {
    SimWorker worker = readyWorker("a", Map.of());
    sim.close();
    assertThatThrownBy(() -> getWorker(worker.podIP(), WORKER_PORT, Duration.ofSeconds(1)))
        .isInstanceOf(ConnectException.class);
  }

}
