package tech.openrtc.operator.chaos;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.AnnotationInFlightSource;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.HttpInFlightSource;
import tech.openrtc.operator.api.InFlightSpec;
import tech.openrtc.operator.api.LiveKitInFlightSource;
import tech.openrtc.operator.api.LiveKitSpec;
import tech.openrtc.operator.api.OnTimeout;
import tech.openrtc.operator.api.SecretRef;
import tech.openrtc.operator.api.StrategySpec;
import tech.openrtc.operator.sim.SimKubelet;

/** The AgentDeployments of a chaos run: one per source, short drains, short calls. */
final class AgentDeploymentFactory {

  static final String LIVEKIT_SECRET = "livekit";

  private final String namespace;
  private final String liveKitUrl;
  private final int drainTimeoutSeconds;

  AgentDeploymentFactory(String namespace, String liveKitUrl, int drainTimeoutSeconds) {
    this.namespace = namespace;
    this.liveKitUrl = liveKitUrl;
    this.drainTimeoutSeconds = drainTimeoutSeconds;
  }

  AgentDeployment create(ChaosDeployment c) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName(c.name()).withNamespace(namespace).build());
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("c1");
    spec.setReplicas(3);
    spec.setAgentName(c.name());
    PodTemplateSpecBuilder template = new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", c.name()).endMetadata()
        .withNewSpec()
          .withContainers(new ContainerBuilder().withName("agent").withImage("example/agent:1").build())
        .endSpec();
    DrainSpec drain = new DrainSpec();
    drain.setPollSeconds(1);
    drain.setActivePollSeconds(5);
    drain.setTimeoutSeconds(drainTimeoutSeconds);
    drain.setOnTimeout(OnTimeout.Terminate);
    InFlightSpec inFlight = new InFlightSpec();
    switch (c.source()) {
      case HTTP -> inFlight.setHttp(new HttpInFlightSource());
      case SIGNAL -> {
        inFlight.setHttp(new HttpInFlightSource());
        drain.setTrigger(DrainTrigger.Signal);
      }
      case ANNOTATION -> {
        inFlight.setAnnotation(new AnnotationInFlightSource());
        template.editMetadata().addToAnnotations(SimKubelet.ANNOTATION_REPORT_IN_FLIGHT, "annotation").endMetadata();
      }
      case CROSS_CHECK -> {
        inFlight.setHttp(new HttpInFlightSource());
        inFlight.setLivekit(new LiveKitInFlightSource());
        inFlight.setCrossCheck(true);
        LiveKitSpec livekit = new LiveKitSpec();
        livekit.setUrl(liveKitUrl);
        SecretRef ref = new SecretRef();
        ref.setName(LIVEKIT_SECRET);
        livekit.setSecretRef(ref);
        spec.setLivekit(livekit);
      }
    }
    drain.setInFlight(inFlight);
    spec.setDrain(drain);
    spec.setTemplate(template.build());
    StrategySpec strategy = new StrategySpec();
    strategy.setAutoPromote(true);
    spec.setStrategy(strategy);
    spec.setRevisionHistoryLimit(5);
    d.setSpec(spec);
    return d;
  }

  /** The same spec as a new object (what `kubectl apply` of the saved manifest gives after a delete). */
  AgentDeployment recreate(AgentDeployment deleted) {
    AgentDeployment d = new AgentDeployment();
    d.setMetadata(new ObjectMetaBuilder().withName(deleted.getMetadata().getName()).withNamespace(namespace).build());
    d.setSpec(deleted.getSpec());
    return d;
  }
}
