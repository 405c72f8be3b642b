package tech.openrtc.operator.reconcile;

import tech.openrtc.operator.api.Times;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.time.Instant;
import java.util.function.Consumer;
import tech.openrtc.operator.api.AgentDeploymentSpec;
import tech.openrtc.operator.api.DrainSpec;
import tech.openrtc.operator.api.StrategySpec;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodState;

/** Specs and pods for the reconcile tests; every time is explicit, relative to {@link #NOW}. */
final class Fixtures {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  /** The uid of the AgentDeployment the fixture pods belong to. */
  static final String DEPLOYMENT_UID = "uid-support";

  private Fixtures() {}

  static PodTemplateSpec template(String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().addToLabels("app", "support").endMetadata()
        .withNewSpec().addNewContainer().withName("agent").withImage(image).endContainer().endSpec()
        .build();
  }

  /** A valid spec with strategy and drain present (all fields null, i.e. defaulted), then customised. */
  static AgentDeploymentSpec rawSpec(Consumer<AgentDeploymentSpec> customise) {
    AgentDeploymentSpec spec = new AgentDeploymentSpec();
    spec.setVersion("v1");
    spec.setTemplate(template("agent:1"));
    spec.setStrategy(new StrategySpec());
    spec.setDrain(new DrainSpec());
    customise.accept(spec);
    return spec;
  }

  static EffectiveSpec spec(Consumer<AgentDeploymentSpec> customise) {
    return SpecValidator.effective(rawSpec(customise));
  }

  static EffectiveSpec spec(int replicas) {
    return spec(s -> s.setReplicas(replicas));
  }

  static TestPod pod(String name, String revision) {
    return new TestPod(name, revision);
  }

  /** A worker pod as the API server would report it. Running, with an IP, not ready, undrained by default. */
  static final class TestPod {
    private final PodBuilder b;
    private String phase = "Running";
    private String ip = "10.0.0.1";
    private Instant readySince;
    private boolean ready;

    TestPod(String name, String revision) {
      b = new PodBuilder().withNewMetadata()
          .withName(name).withNamespace("voice").withUid("uid-" + name)
          .withCreationTimestamp(Times.format(NOW.minusSeconds(3600)))
          .addToLabels(Names.LABEL_DEPLOYMENT, "support")
          .addToLabels(Names.LABEL_REVISION, revision)
          .addToLabels(Names.LABEL_VERSION, "ver-" + revision)
          .addNewOwnerReference().withController(true).withUid(DEPLOYMENT_UID).withName("support")
            .withKind("AgentDeployment").withApiVersion("agents.openrtc.tech/v1alpha1").endOwnerReference()
          .addToLabels(Names.LABEL_ROLE, Names.ROLE_ACTIVE)
          .withResourceVersion("1")
          .endMetadata();
    }

    TestPod ready(Instant since) {
      ready = true;
      readySince = since;
      return this;
    }

    /** Ready for an hour: available whatever minReadySeconds the test uses. */
    TestPod ready() {
      return ready(NOW.minusSeconds(3600));
    }

    TestPod created(Instant at) {
      b.editMetadata().withCreationTimestamp(Times.format(at)).endMetadata();
      return this;
    }

    TestPod phase(String phase) {
      this.phase = phase;
      return this;
    }

    TestPod noIp() {
      this.ip = null;
      return this;
    }

    /** Fully marked, as PodActions.markDraining leaves it. */
    TestPod draining(Instant startedAt, Instant deadline) {
      return drainAnnotation(startedAt, deadline).drainLabel();
    }

    TestPod drainAnnotation(Instant startedAt, Instant deadline) {
      b.editMetadata()
          .addToAnnotations(Names.ANNOTATION_DRAIN, "true")
          .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, Times.format(startedAt))
          .addToAnnotations(Names.ANNOTATION_DRAIN_DEADLINE, Times.format(deadline))
          .endMetadata();
      return this;
    }

    /** Drain annotation and start time only: a mark written by hand, or half lost. */
    TestPod drainStartedOnly(Instant startedAt) {
      b.editMetadata()
          .addToAnnotations(Names.ANNOTATION_DRAIN, "true")
          .addToAnnotations(Names.ANNOTATION_DRAIN_STARTED_AT, Times.format(startedAt))
          .endMetadata();
      return this;
    }

    /** Not created by the operator (no controller reference): e.g. recreated by hand. */
    TestPod foreign() {
      b.editMetadata().withOwnerReferences().endMetadata();
      return this;
    }

    TestPod drainLabel() {
      b.editMetadata().addToLabels(Names.LABEL_DRAINING, "true").addToLabels(Names.LABEL_ROLE, Names.ROLE_DRAINING)
          .endMetadata();
      return this;
    }

    /** The role label the operator gave the pod (active by default here). */
    TestPod role(String role) {
      b.editMetadata().addToLabels(Names.LABEL_ROLE, role).endMetadata();
      return this;
    }

    /** A preview pod promoted at {@code at}. */
    TestPod promoted(Instant at) {
      b.editMetadata().addToLabels(Names.LABEL_ROLE, Names.ROLE_ACTIVE)
          .addToAnnotations(Names.ANNOTATION_PROMOTED_AT, Times.formatMillis(at)).endMetadata();
      return this;
    }

    /** Bound to {@code node}. */
    TestPod on(String node) {
      b.editOrNewSpec().withNodeName(node).endSpec();
      return this;
    }

    /** Deleted at {@code at} with a grace period: the kubelet kills it at at + grace. */
    TestPod deleted(Instant at, long graceSeconds) {
      b.editMetadata().withDeletionTimestamp(Times.format(at.plusSeconds(graceSeconds)))
          .withDeletionGracePeriodSeconds(graceSeconds).endMetadata();
      return this;
    }

    TestPod terminating() {
      b.editMetadata().withDeletionTimestamp(Times.format(NOW.minusSeconds(1))).endMetadata();
      return this;
    }

    Pod buildPod() {
      b.withNewStatus().withPhase(phase).withPodIP(ip)
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
          .withLastTransitionTime(ready ? Times.format(readySince) : Times.format(NOW.minusSeconds(3600)))
          .endCondition()
          .endStatus();
      return b.build();
    }

    PodState build() {
      return PodState.of(buildPod());
    }
  }
}
