package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.drain.InFlightSource;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.AnnotationInFlightSource;
import tech.openrtc.operator.api.CredentialsSpec;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.LiveKitInFlightSource;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.api.StrategySpec;

class SpecValidatorTest {

  private static List<String> errors(Consumer<AgentDeploymentSpec> customise) {
    return SpecValidator.validate(Fixtures.rawSpec(customise));
  }

  @Test
  void aMinimalSpecIsValid() {
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("2026.11.2");
    spec.setTemplate(Fixtures.template("agent:1"));

    assertThat(SpecValidator.validate(spec)).isEmpty();
  }

  @Test
  void missingSpecAndVersionAndTemplateAreNamed() {
    assertThat(SpecValidator.validate(null)).containsExactly("spec: required");
    assertThat(SpecValidator.validate(new AgentDeploymentSpec()))
        .containsExactlyInAnyOrder("spec.version: required", "spec.template: required");
    assertThat(errors(s -> s.setVersion("  "))).containsExactly("spec.version: required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-v1", "v1-", "v 1", "v1/2", "2026.11.2+build"})
  void versionMustBeALabelValue(String version) {
    assertThat(errors(s -> s.setVersion(version))).singleElement().asString()
        .startsWith("spec.version: \"" + version + "\" is not a valid label value");
  }

  @Test
  void versionMayBe63CharactersButNot64() {
    assertThat(errors(s -> s.setVersion("v".repeat(63)))).isEmpty();
    assertThat(errors(s -> s.setVersion("v".repeat(64)))).singleElement().asString().startsWith("spec.version:");
  }

  @Test
  void numbersOutOfRangeNameTheirField() {
    assertThat(errors(s -> {
      s.setReplicas(-1);
      s.setRevisionHistoryLimit(-2);
      s.getStrategy().setMinReadySeconds(-3);
      s.getStrategy().setProgressDeadlineSeconds(0);
      s.getDrain().setPollSeconds(0);
      s.getDrain().setTimeoutSeconds(0);
      CredentialsSpec credentials = new CredentialsSpec();
      credentials.setTtlSeconds(59);
      s.setCredentials(credentials);
    })).containsExactlyInAnyOrder(
        "spec.replicas: must be >= 0, got -1",
        "spec.revisionHistoryLimit: must be >= 0, got -2",
        "spec.strategy.minReadySeconds: must be >= 0, got -3",
        "spec.strategy.progressDeadlineSeconds: must be >= 1, got 0",
        "spec.drain.pollSeconds: must be >= 1, got 0",
        "spec.drain.timeoutSeconds: must be >= 1, got 0",
        "spec.credentials.ttlSeconds: must be >= 60, got 59");
  }

  @Test
  void boundaryValuesAreValid() {
    assertThat(errors(s -> {
      s.setReplicas(0);
      s.setRevisionHistoryLimit(0);
      s.getStrategy().setMinReadySeconds(0);
      s.getStrategy().setProgressDeadlineSeconds(1);
      s.getDrain().setPollSeconds(1);
      s.getDrain().setTimeoutSeconds(1);
    })).isEmpty();
  }

  @Test
  void templateNeedsANamedContainerWithAnImage() {
    assertThat(errors(s -> s.setTemplate(new PodTemplateSpecBuilder().withNewSpec().endSpec().build())))
        .containsExactly("spec.template.spec.containers: at least one container is required");
    assertThat(errors(s -> s.setTemplate(new PodTemplateSpecBuilder().build())))
        .containsExactly("spec.template.spec.containers: at least one container is required");
    assertThat(errors(s -> s.setTemplate(new PodTemplateSpecBuilder().withNewSpec()
        .addNewContainer().withName("agent").withImage("agent:1").endContainer()
        .addNewContainer().endContainer()
        .endSpec().build())))
        .containsExactlyInAnyOrder(
            "spec.template.spec.containers[1].name: required",
            "spec.template.spec.containers[1].image: required");
  }

  @Test
  void templateIsRefusedWhereTheApiServerWouldRefuseItsPods() {
    assertThat(errors(s -> s.setTemplate(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "support").addToLabels("example.com/tier", "").endMetadata()
        .withNewSpec()
        .addNewInitContainer().withName("init").withImage("init:1").endInitContainer()
        .addNewContainer().withName("agent").withImage("agent:1").addNewPort().withContainerPort(8081).endPort()
          .addNewPort().withContainerPort(65535).withHostPort(0).endPort().endContainer()
        .endSpec().build()))).isEmpty();
    assertThat(errors(s -> s.setTemplate(new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("bad key!", "x").addToLabels("app", "sup port")
          .addToLabels("Example.COM/tier", "a").addToLabels("t", "v".repeat(64)).endMetadata()
        .withNewSpec()
        .addNewInitContainer().withName("agent").withImage("init:1").endInitContainer()
        .addNewContainer().withName("agent").withImage(" agent:1").addNewPort().withContainerPort(0).endPort()
          .addNewPort().withContainerPort(70000).withHostPort(-1).endPort().addNewPort().endPort().endContainer()
        .addNewContainer().withName("Agent_2").withImage("agent:1").endContainer()
        .addNewContainer().withName("agent").withImage("agent:1").endContainer()
        .endSpec().build())))
        .containsExactlyInAnyOrder(
            "spec.template.metadata.labels: \"bad key!\" is not a valid label key",
            "spec.template.metadata.labels.app: \"sup port\" is not a valid label value",
            "spec.template.metadata.labels: \"Example.COM/tier\" is not a valid label key",
            "spec.template.metadata.labels.t: \"" + "v".repeat(64) + "\" is not a valid label value",
            "spec.template.spec.containers[0].image: must not have leading or trailing whitespace",
            "spec.template.spec.containers[0].ports[0].containerPort: must be between 1 and 65535, got 0",
            "spec.template.spec.containers[0].ports[1].containerPort: must be between 1 and 65535, got 70000",
            "spec.template.spec.containers[0].ports[1].hostPort: must be between 0 and 65535, got -1",
            "spec.template.spec.containers[0].ports[2].containerPort: must be between 1 and 65535, got null",
            "spec.template.spec.containers[1].name: \"Agent_2\" must be a DNS label"
                + " (<= 63 characters: lower-case letters, digits or '-', starting and ending with a letter or digit)",
            "spec.template.spec.containers[2].name: \"agent\" is the name of another container",
            "spec.template.spec.initContainers[0].name: \"agent\" is the name of another container");
  }

  @Test
  void aNullContainerIsNamed() {
    // JSON [null]: the builders would make an empty container of it.
    assertThat(errors(s -> s.getTemplate().getSpec().getContainers().add(null)))
        .containsExactly("spec.template.spec.containers[1]: must be a container, got null");
  }

  @Test
  void hugeValuesAreAbbreviatedInTheMessage() {
    assertThat(errors(s -> s.setVersion("v".repeat(100_000)))).singleElement().asString()
        .startsWith("spec.version: \"" + "v".repeat(80) + "... (100000 characters)\"").hasSizeLessThan(300);
  }

  @Test
  void agentNameMustBeSafe() {
    assertThat(errors(s -> s.setAgentName("support-agent_v2.1"))).isEmpty();
    assertThat(errors(s -> s.setAgentName("support agent"))).singleElement().asString()
        .startsWith("spec.agentName:");
  }

  @Test
  void oneInFlightSourceOrHttpAndLivekitWithCrossCheck() {
    assertThat(errors(s -> {
      s.getDrain().setInFlight(inFlight(true, true, false, null));
    })).containsExactly("spec.drain.inFlight: choose one source (http, annotation or livekit),"
        + " or http and livekit with crossCheck: true");

    assertThat(errors(s -> {
      s.setLivekit(livekit("wss://lk", "lk"));
      s.getDrain().setInFlight(inFlight(true, false, true, null));
    })).singleElement().asString().startsWith("spec.drain.inFlight: choose one source");

    assertThat(errors(s -> {
      s.setLivekit(livekit("wss://lk", "lk"));
      s.getDrain().setInFlight(inFlight(true, false, true, true));
    })).isEmpty();

    assertThat(errors(s -> {
      s.setLivekit(livekit("wss://lk", "lk"));
      s.getDrain().setInFlight(inFlight(true, true, true, true));
    })).singleElement().asString().startsWith("spec.drain.inFlight: choose one source");
  }

  @Test
  void livekitSourceNeedsTheLivekitServer() {
    assertThat(errors(s -> s.getDrain().setInFlight(inFlight(false, false, true, null))))
        .containsExactly("spec.drain.inFlight.livekit: needs spec.livekit (url and secretRef)");
    assertThat(errors(s -> s.setLivekit(new LiveKitSpec())))
        .containsExactlyInAnyOrder("spec.livekit.url: required", "spec.livekit.secretRef.name: required");
  }

  @Test
  void httpPathMustMakeAUrl() {
    assertThat(errors(s -> {
      s.getDrain().setInFlight(new InFlightSpec());
      s.getDrain().getInFlight().setHttp(new HttpInFlightSource());
      s.getDrain().getInFlight().getHttp().setPath("/w\u00f6rker?x=1");
    })).isEmpty();
    assertThat(errors(s -> {
      s.getDrain().setInFlight(new InFlightSpec());
      s.getDrain().getInFlight().setHttp(new HttpInFlightSource());
      s.getDrain().getInFlight().getHttp().setPath("/a b");
    })).singleElement().asString().startsWith("spec.drain.inFlight.http.path: \"/a b\" is not a URL path");
  }

  @Test
  void httpSourcePortAndPath() {
    assertThat(errors(s -> s.getDrain().setInFlight(http(0, "/worker"))))
        .containsExactly("spec.drain.inFlight.http.port: must be between 1 and 65535, got 0");
    assertThat(errors(s -> s.getDrain().setInFlight(http(65536, "/worker"))))
        .containsExactly("spec.drain.inFlight.http.port: must be between 1 and 65535, got 65536");
    assertThat(errors(s -> s.getDrain().setInFlight(http(65535, "worker"))))
        .containsExactly("spec.drain.inFlight.http.path: must start with '/', got \"worker\"");
    assertThat(errors(s -> s.getDrain().setInFlight(http(1, "/")))).isEmpty();
  }

  @Test
  void everyProblemIsReported() {
    assertThat(errors(s -> {
      s.setVersion(null);
      s.setReplicas(-1);
      s.getDrain().setPollSeconds(0);
    })).hasSize(3);
  }

  @Test
  void effectiveAppliesEveryDefaultToASparseSpec() {
    AgentDeploymentSpec sparse = new AgentDeploymentSpec();
    sparse.setVersion("v1");
    sparse.setTemplate(Fixtures.template("agent:1"));

    EffectiveSpec e = SpecValidator.effective(sparse);

    assertThat(e.version()).isEqualTo("v1");
    assertThat(e.template()).isSameAs(sparse.getTemplate());
    assertThat(e.agentName()).isNull();
    assertThat(e.replicas()).isEqualTo(1);
    assertThat(e.autoPromote()).isTrue();
    assertThat(e.minReadySeconds()).isZero();
    assertThat(e.progressDeadlineSeconds()).isEqualTo(600);
    assertThat(e.autoRollback()).isFalse();
    assertThat(e.trigger()).isEqualTo(DrainTrigger.Annotation);
    assertThat(e.inFlightSource()).isEqualTo(InFlightSource.HTTP);
    assertThat(e.httpPort()).isEqualTo(8081);
    assertThat(e.httpPath()).isEqualTo("/worker");
    assertThat(e.httpField()).isEqualTo("active_jobs");
    assertThat(e.pollSeconds()).isEqualTo(5);
    assertThat(e.timeoutSeconds()).isEqualTo(3600);
    assertThat(e.onTimeout()).isEqualTo(OnTimeout.Terminate);
    assertThat(e.credentialTtlSeconds()).isEqualTo(86400);
    assertThat(e.revisionHistoryLimit()).isEqualTo(10);
    assertThat(e.paused()).isFalse();
  }

  @Test
  void effectiveDefaultsEmptyNestedObjectsToo() {
    EffectiveSpec e = SpecValidator.effective(Fixtures.rawSpec(s -> {
      s.setStrategy(new StrategySpec());
      s.setDrain(new DrainSpec());
      s.getDrain().setInFlight(new InFlightSpec());
      s.setCredentials(new CredentialsSpec());
    }));

    assertThat(e.progressDeadlineSeconds()).isEqualTo(600);
    assertThat(e.inFlightSource()).isEqualTo(InFlightSource.HTTP);
    assertThat(e.httpPort()).isEqualTo(8081);
    assertThat(e.credentialTtlSeconds()).isEqualTo(86400);
  }

  @Test
  void effectiveKeepsWhatTheSpecSays() {
    EffectiveSpec e = SpecValidator.effective(Fixtures.rawSpec(s -> {
      s.setReplicas(0);
      s.setAgentName("support");
      s.setPaused(true);
      s.setRevisionHistoryLimit(2);
      s.getStrategy().setAutoPromote(false);
      s.getStrategy().setMinReadySeconds(30);
      s.getStrategy().setProgressDeadlineSeconds(120);
      s.getStrategy().setAutoRollback(true);
      s.getDrain().setTrigger(DrainTrigger.Signal);
      s.getDrain().setPollSeconds(2);
      s.getDrain().setTimeoutSeconds(900);
      s.getDrain().setOnTimeout(OnTimeout.Wait);
      s.getDrain().setInFlight(http(9000, null)); // path and field still defaulted
      CredentialsSpec credentials = new CredentialsSpec();
      credentials.setTtlSeconds(600);
      s.setCredentials(credentials);
    }));

    assertThat(e.replicas()).isZero();
    assertThat(e.agentName()).isEqualTo("support");
    assertThat(e.paused()).isTrue();
    assertThat(e.revisionHistoryLimit()).isEqualTo(2);
    assertThat(e.autoPromote()).isFalse();
    assertThat(e.minReadySeconds()).isEqualTo(30);
    assertThat(e.progressDeadlineSeconds()).isEqualTo(120);
    assertThat(e.autoRollback()).isTrue();
    assertThat(e.trigger()).isEqualTo(DrainTrigger.Signal);
    assertThat(e.pollSeconds()).isEqualTo(2);
    assertThat(e.poll()).hasSeconds(2);
    assertThat(e.timeoutSeconds()).isEqualTo(900);
    assertThat(e.drainTimeout()).hasSeconds(900);
    assertThat(e.onTimeout()).isEqualTo(OnTimeout.Wait);
    assertThat(e.httpPort()).isEqualTo(9000);
    assertThat(e.httpPath()).isEqualTo("/worker");
    assertThat(e.httpField()).isEqualTo("active_jobs");
    assertThat(e.credentialTtlSeconds()).isEqualTo(600);
  }

  @Test
  void effectiveInFlightSource() {
    assertThat(sourceOf(inFlight(false, true, false, null))).isEqualTo(InFlightSource.ANNOTATION);
    assertThat(sourceOf(inFlight(false, false, true, null))).isEqualTo(InFlightSource.LIVEKIT);
    assertThat(sourceOf(inFlight(true, false, true, true))).isEqualTo(InFlightSource.HTTP_AND_LIVEKIT);
    assertThat(sourceOf(inFlight(true, false, false, null))).isEqualTo(InFlightSource.HTTP);
  }

  private static InFlightSource sourceOf(InFlightSpec inFlight) {
    return SpecValidator.effective(Fixtures.rawSpec(s -> {
      s.setLivekit(livekit("wss://lk", "lk"));
      s.getDrain().setInFlight(inFlight);
    })).inFlightSource();
  }

  private static InFlightSpec inFlight(boolean http, boolean annotation, boolean livekit, Boolean crossCheck) {
    InFlightSpec spec = new InFlightSpec();
    spec.setHttp(http ? new HttpInFlightSource() : null);
    spec.setAnnotation(annotation ? new AnnotationInFlightSource() : null);
    spec.setLivekit(livekit ? new LiveKitInFlightSource() : null);
    spec.setCrossCheck(crossCheck);
    return spec;
  }

  private static InFlightSpec http(Integer port, String path) {
    HttpInFlightSource http = new HttpInFlightSource();
    http.setPort(port);
    http.setPath(path);
    InFlightSpec spec = new InFlightSpec();
    spec.setHttp(http);
    return spec;
  }

  private static LiveKitSpec livekit(String url, String secret) {
    LiveKitSpec lk = new LiveKitSpec();
    lk.setUrl(url);
    SecretRef ref = new SecretRef();
    ref.setName(secret);
    lk.setSecretRef(ref);
    return lk;
  }
}
