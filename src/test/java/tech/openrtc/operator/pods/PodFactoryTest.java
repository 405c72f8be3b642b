package tech.openrtc.operator.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.DrainTrigger;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;

class PodFactoryTest {

  private static final String REV = "gf5rkfngz2";

  private static AgentDeployment owner() {
    AgentDeployment owner = new AgentDeployment();
    owner.setMetadata(new ObjectMetaBuilder().withName("support").withNamespace("voice").withUid("uid-42").build());
    return owner;
  }

  private static PodTemplateSpec template() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
          .addToLabels("app", "support")
          .addToLabels(Names.LABEL_DRAINING, "true")        // a copied pod's label must not make new pods draining
          .addToLabels(Names.LABEL_REVISION, "forged")
          .addToAnnotations("team", "voice")
          .addToAnnotations(Names.ANNOTATION_DRAIN, "true")   // nor its drain annotation
          .addToAnnotations(Names.ANNOTATION_IN_FLIGHT, "0")
        .endMetadata()
        .withNewSpec()
          .addNewInitContainer().withName("init").withImage("init:1").endInitContainer()
          .addNewContainer().withName("agent").withImage("agent:1")
            .addNewEnv().withName("LOG_LEVEL").withValue("info").endEnv()
            .addNewEnv().withName(Names.ENV_DEPLOYMENT_VERSION).withValue("user-set").endEnv()
          .endContainer()
          .addNewContainer().withName("sidecar").withImage("sidecar:1")
            .addNewVolumeMount().withName("own-podinfo").withMountPath(Names.PODINFO_DIR).endVolumeMount()
          .endContainer()
          .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .build();
  }

  private static Pod build(String agentName, DrainTrigger trigger, int timeout) {
    return PodFactory.build(owner(), new RevisionTemplate(REV, "2026.11.2", agentName, template()), Names.ROLE_PREVIEW, timeout);
  }

  @Test
  void nameAndNamespace() {
    Pod pod = build("support", DrainTrigger.Annotation, 3600);

    assertThat(pod.getApiVersion()).isEqualTo("v1");
    assertThat(pod.getKind()).isEqualTo("Pod");
    assertThat(pod.getMetadata().getName()).matches("support-" + REV + "-[bcdfghjklmnpqrstvwxz2456789]{5}");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("voice");
  }

  @Test
  void labelsAreTheTemplatesPlusOursAndNeverDraining() {
    Pod pod = build("support", DrainTrigger.Annotation, 3600);

    assertThat(pod.getMetadata().getLabels())
        .containsEntry("app", "support")
        .containsEntry(Names.LABEL_DEPLOYMENT, "support")
        .containsEntry(Names.LABEL_REVISION, REV)
        .containsEntry(Names.LABEL_VERSION, "2026.11.2")
        .doesNotContainKey(Names.LABEL_DRAINING);
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry("team", "voice")
        .doesNotContainKeys(Names.ANNOTATION_DRAIN, Names.ANNOTATION_IN_FLIGHT);
    assertThat(PodState.of(pod).draining()).isFalse();
  }

  @Test
  void ownedByTheAgentDeployment() {
    OwnerReference ref = build(null, DrainTrigger.Annotation, 3600).getMetadata().getOwnerReferences().get(0);

    assertThat(ref.getApiVersion()).isEqualTo("agents.openrtc.tech/v1alpha1");
    assertThat(ref.getKind()).isEqualTo("AgentDeployment");
    assertThat(ref.getName()).isEqualTo("support");
    assertThat(ref.getUid()).isEqualTo("uid-42");
    assertThat(ref.getController()).isTrue();
    assertThat(ref.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void everyContainerGetsTheVersionRevisionAndAgentName() {
    Pod pod = build("support", DrainTrigger.Annotation, 3600);

    for (Container c : allContainers(pod)) {
      assertThat(c.getEnv()).as(c.getName()).extracting(EnvVar::getName, EnvVar::getValue)
          .contains(
              tuple(Names.ENV_DEPLOYMENT_VERSION, "2026.11.2"),
              tuple(Names.ENV_REVISION, REV),
              tuple(Names.ENV_AGENT_NAME, "support"));
      assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
    }
    Container agent = pod.getSpec().getContainers().get(0);
    assertThat(agent.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
        .contains(tuple("LOG_LEVEL", "info"))
        .doesNotContain(tuple(Names.ENV_DEPLOYMENT_VERSION, "user-set"));
  }

  @Test
  void noAgentNameNoAgentNameEnv() {
    for (Container c : allContainers(build(null, DrainTrigger.Annotation, 3600))) {
      assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotContain(Names.ENV_AGENT_NAME);
    }
  }

  @Test
  void downwardApiVolumeMountedAtPodinfo() {
    Pod pod = build("support", DrainTrigger.Annotation, 3600);

    List<Volume> volumes = pod.getSpec().getVolumes();
    assertThat(volumes).extracting(Volume::getName).containsExactlyInAnyOrder("cache", PodFactory.PODINFO_VOLUME,
        PodFactory.CREDENTIAL_VOLUME, PodFactory.MEMBERSHIP_VOLUME);
    java.util.function.Function<String, Volume> byName =
        n -> volumes.stream().filter(v -> v.getName().equals(n)).findFirst().orElseThrow();
    Volume podinfo = byName.apply(PodFactory.PODINFO_VOLUME);
    assertThat(byName.apply(PodFactory.CREDENTIAL_VOLUME).getSecret().getSecretName()).isEqualTo("support-" + pod.getMetadata().getLabels()
        .get(Names.LABEL_REVISION) + "-credential");
    assertThat(byName.apply(PodFactory.MEMBERSHIP_VOLUME).getConfigMap().getName()).isEqualTo("support-membership");
    assertThat(podinfo.getDownwardAPI().getItems())
        .extracting(DownwardAPIVolumeFile::getPath, f -> f.getFieldRef().getFieldPath())
        .containsExactlyInAnyOrder(tuple("labels", "metadata.labels"), tuple("annotations", "metadata.annotations"));

    Container agent = pod.getSpec().getContainers().get(0);
    assertThat(agent.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(tuple(PodFactory.PODINFO_VOLUME, Names.PODINFO_DIR, true),
            tuple(PodFactory.CREDENTIAL_VOLUME, Names.CREDENTIAL_DIR, true),
            tuple(PodFactory.MEMBERSHIP_VOLUME, Names.MEMBERSHIP_DIR, true));
    assertThat(agent.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo(Names.ENV_CREDENTIAL_FILE);
      assertThat(e.getValue()).isEqualTo(Names.CREDENTIAL_FILE);
    });
    assertThat(pod.getSpec().getInitContainers().get(0).getVolumeMounts())
        .extracting(VolumeMount::getMountPath).containsExactly(Names.PODINFO_DIR, Names.CREDENTIAL_DIR, Names.MEMBERSHIP_DIR);
    Container sidecar = pod.getSpec().getContainers().get(1);
    assertThat(sidecar.getVolumeMounts()).as("an existing mount at the path is left alone")
        .extracting(VolumeMount::getName)
        .containsExactly("own-podinfo", PodFactory.CREDENTIAL_VOLUME, PodFactory.MEMBERSHIP_VOLUME);
  }

  @Test
  void theGracePeriodIsRaisedToTheDrainTimeout() {
    assertThat(build(null, DrainTrigger.Signal, 900).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(900L);

    PodTemplateSpec longGrace = template();
    longGrace.getSpec().setTerminationGracePeriodSeconds(7200L);
    Pod pod = PodFactory.build(owner(), new RevisionTemplate(REV, "v1", null, longGrace), Names.ROLE_ACTIVE, 900);
    assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).as("never lowered").isEqualTo(7200L);
  }

  @Test
  void theDefaultGraceIsKeptWhenTheTimeoutIsShorter() {
    assertThat(build(null, DrainTrigger.Signal, 10).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
  }

  @Test
  void annotationTriggerRaisesTheGracePeriodToTheDrainTimeoutToo() {
    // An eviction or a forced node drain SIGTERMs the worker whatever our trigger is.
    assertThat(build(null, DrainTrigger.Annotation, 900).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(900L);
  }

  @Test
  void theTemplateItselfIsNotModified() {
    PodTemplateSpec template = template();
    String before = Serialization.asJson(template);

    PodFactory.build(owner(), new RevisionTemplate(REV, "v1", "support", template), Names.ROLE_ACTIVE, 900);

    assertThat(Serialization.asJson(template)).isEqualTo(before);
  }

  private static List<Container> allContainers(Pod pod) {
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    all.addAll(pod.getSpec().getInitContainers());
    assertThat(all).hasSize(3);
    return all;
  }
}
