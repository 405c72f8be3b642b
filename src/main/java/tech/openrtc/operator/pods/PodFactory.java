package tech.openrtc.operator.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.CredentialManager;
import tech.openrtc.operator.membership.Membership;

/** Builds a worker pod of one revision from its pod template. Pure. */
public final class PodFactory {

  public static final String PODINFO_VOLUME = "openrtc-podinfo";
  public static final String CREDENTIAL_VOLUME = "openrtc-credential";
  public static final String MEMBERSHIP_VOLUME = "openrtc-membership";
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The revision's own copy of what a pod is made of (from the spec or its ControllerRevision). */
  public record RevisionTemplate(String revision, String version, String agentName, PodTemplateSpec template) {}

  private PodFactory() {}

  public static String podName(String deployment, String revision) {
    StringBuilder suffix = new StringBuilder(5);
    for (int i = 0; i < 5; i++) {
      suffix.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
    }
    return deployment + "-" + revision + "-" + suffix;
  }

  /**
   * A worker pod of revision {@code rt}, labelled with its {@code role} ({@link Names#ROLE_ACTIVE}
   * for the active revision, {@link Names#ROLE_PREVIEW} for a rollout's new one).
   */
  public static Pod build(AgentDeployment owner, RevisionTemplate rt, String role, int drainTimeoutSeconds) {
    String name = owner.getMetadata().getName();
    PodTemplateSpec template = Serialization.clone(rt.template());
    var meta = Optional.ofNullable(template.getMetadata()).orElseGet(io.fabric8.kubernetes.api.model.ObjectMeta::new);

    Map<String, String> labels = new LinkedHashMap<>(Optional.ofNullable(meta.getLabels()).orElse(Map.of()));
    labels.put(Names.LABEL_DEPLOYMENT, name);
    labels.put(Names.LABEL_REVISION, rt.revision());
    labels.put(Names.LABEL_VERSION, rt.version());
    labels.remove(Names.LABEL_DRAINING);
    labels.put(Names.LABEL_ROLE, role);
    Map<String, String> annotations = new HashMap<>(Optional.ofNullable(meta.getAnnotations()).orElse(Map.of()));
    annotations.keySet().removeIf(k -> k.startsWith(Names.PREFIX));

    Pod pod = new Pod();
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    pod.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(podName(name, rt.revision()))
        .withNamespace(owner.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withOwnerReferences(owner.controllerReference())
        .build());
    PodSpec spec = template.getSpec();
    inject(spec, rt, name);
    // Whatever the trigger, any delete that reaches the worker (ours, an eviction, a forced node
    // drain, a NoExecute taint) is a SIGTERM drain bounded by the same deadline as ours.
    long grace = Optional.ofNullable(spec.getTerminationGracePeriodSeconds()).orElse(30L);
    spec.setTerminationGracePeriodSeconds(Math.max(grace, drainTimeoutSeconds));
    pod.setSpec(spec);
    return pod;
  }

  private static void inject(PodSpec spec, RevisionTemplate rt, String deployment) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVar(Names.ENV_DEPLOYMENT_VERSION, rt.version(), null));
    env.add(new EnvVar(Names.ENV_REVISION, rt.revision(), null));
    if (rt.agentName() != null) {
      env.add(new EnvVar(Names.ENV_AGENT_NAME, rt.agentName(), null));
    }
    env.add(new EnvVar(Names.ENV_CREDENTIAL_FILE, Names.CREDENTIAL_FILE, null));
    List<VolumeMount> ours = List.of(
        new VolumeMountBuilder().withName(PODINFO_VOLUME).withMountPath(Names.PODINFO_DIR).withReadOnly(true).build(),
        new VolumeMountBuilder().withName(CREDENTIAL_VOLUME).withMountPath(Names.CREDENTIAL_DIR).withReadOnly(true).build(),
        new VolumeMountBuilder().withName(MEMBERSHIP_VOLUME).withMountPath(Names.MEMBERSHIP_DIR).withReadOnly(true).build());
    List<Container> containers = new ArrayList<>(spec.getContainers());
    Optional.ofNullable(spec.getInitContainers()).ifPresent(containers::addAll);
    for (Container c : containers) {
      List<EnvVar> merged = new ArrayList<>(Optional.ofNullable(c.getEnv()).orElse(List.of()));
      merged.removeIf(e -> env.stream().anyMatch(injected -> injected.getName().equals(e.getName())));
      merged.addAll(env);
      c.setEnv(merged);
      List<VolumeMount> mounts = new ArrayList<>(Optional.ofNullable(c.getVolumeMounts()).orElse(List.of()));
      for (VolumeMount mount : ours) {
        // A mount the template already has at that path is the user's choice: left alone.
        if (mounts.stream().noneMatch(m -> mount.getMountPath().equals(m.getMountPath()) || mount.getName().equals(m.getName()))) {
          mounts.add(mount);
        }
      }
      c.setVolumeMounts(mounts);
    }
    List<Volume> volumes = new ArrayList<>(Optional.ofNullable(spec.getVolumes()).orElse(List.of()));
    volumes.removeIf(v -> PODINFO_VOLUME.equals(v.getName()) || CREDENTIAL_VOLUME.equals(v.getName())
        || MEMBERSHIP_VOLUME.equals(v.getName()));
    // The credential file updates in place when it is renewed; the membership when it changes.
    volumes.add(new VolumeBuilder().withName(CREDENTIAL_VOLUME)
        .withNewSecret().withSecretName(CredentialManager.secretName(deployment, rt.revision())).endSecret().build());
    volumes.add(new VolumeBuilder().withName(MEMBERSHIP_VOLUME)
        .withNewConfigMap().withName(Membership.configMapName(deployment)).endConfigMap().build());
    volumes.add(new VolumeBuilder()
        .withName(PODINFO_VOLUME)
        .withNewDownwardAPI()
          .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
          .addNewItem().withPath("annotations").withNewFieldRef().withFieldPath("metadata.annotations").endFieldRef().endItem()
        .endDownwardAPI()
        .build());
    spec.setVolumes(volumes);
  }
}
