package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.membership.Membership;

/**
 * The kubelet's secret and configMap volumes, for the two a worker verifies itself with: the
 * revision's credential Secret mounted at {@value Names#CREDENTIAL_DIR} (file {@code token}) and
 * the membership ConfigMap mounted at {@value Names#MEMBERSHIP_DIR}.
 *
 * <p>A real kubelet reads each mounted object and refreshes the files when it changes. Here one
 * informer per kind serves the whole simulated cluster (not one watch per pod, so thousands of
 * pods cost two watches). They see only Secrets and ConfigMaps labelled
 * {@value Names#LABEL_DEPLOYMENT}, as the operator labels the ones it publishes; a volume naming
 * any other object reads as missing. Unlike a real kubelet, a missing object does not hold the
 * pod in ContainerCreating: the pod starts, and its worker finds the file missing.
 */
final class SimVolumes implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimVolumes.class);

  static final String TOKEN_FILE = "token";
  private static final List<String> MEMBERSHIP_FILES =
      List.of(Membership.ACTIVE_VERSION, Membership.ACTIVE_REVISION, Membership.DRAINING, Membership.JWKS);

  enum Kind { SECRET, CONFIG_MAP }

  /** Told when a watched Secret or ConfigMap was added, changed or deleted. */
  interface Listener {
    void changed(Kind kind, String namespace, String name);
  }

  /**
   * What one pod mounts. A null object name: that volume is not mounted. {@code *Files} map the
   * file name in the mount to the object's key (a volume's {@code items} may rename or leave out
   * keys); null: every key under its own name.
   */
  record Mounts(String namespace, String secretName, Map<String, String> secretFiles,
      String configMapName, Map<String, String> configMapFiles) {

    boolean uses(Kind kind, String ns, String name) {
      if (!namespace.equals(ns)) {
        return false;
      }
      return kind == Kind.SECRET ? name.equals(secretName) : name.equals(configMapName);
    }

    /** The pod's mounts of the two volumes, or null if it mounts neither (a worker that does not check). */
    static Mounts of(Pod pod) {
      if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
        return null;
      }
      Volume credential = mountedAt(pod, Names.CREDENTIAL_DIR);
      Volume membership = mountedAt(pod, Names.MEMBERSHIP_DIR);
      String secretName = null;
      Map<String, String> secretFiles = null;
      if (credential != null && credential.getSecret() != null) {
        secretName = credential.getSecret().getSecretName();
        secretFiles = files(credential.getSecret().getItems());
      }
      String configMapName = null;
      Map<String, String> configMapFiles = null;
      if (membership != null && membership.getConfigMap() != null) {
        configMapName = membership.getConfigMap().getName();
        configMapFiles = files(membership.getConfigMap().getItems());
      }
      if (secretName == null && configMapName == null) {
        return null;
      }
      return new Mounts(pod.getMetadata().getNamespace(), secretName, secretFiles, configMapName, configMapFiles);
    }

    /** The volume some container mounts (whole, not a subPath) at that directory. */
    private static Volume mountedAt(Pod pod, String dir) {
      List<Container> containers = pod.getSpec().getContainers() == null ? List.of() : pod.getSpec().getContainers();
      for (Container c : containers) {
        for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
          if (dir.equals(stripSlash(m.getMountPath())) && (m.getSubPath() == null || m.getSubPath().isEmpty())) {
            for (Volume v : pod.getSpec().getVolumes()) {
              if (Objects.equals(v.getName(), m.getName())) {
                return v;
              }
            }
          }
        }
      }
      return null;
    }

    private static Map<String, String> files(List<KeyToPath> items) {
      if (items == null || items.isEmpty()) {
        return null;
      }
      Map<String, String> byFile = new LinkedHashMap<>();
      for (KeyToPath item : items) {
        byFile.put(item.getPath(), item.getKey());
      }
      return byFile;
    }

    private static String stripSlash(String path) {
      return path != null && path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
  }

  private final KubernetesClient client;
  private volatile SharedIndexInformer<Secret> secrets;
  private volatile SharedIndexInformer<ConfigMap> configMaps;

  SimVolumes(KubernetesClient client) {
    this.client = client;
  }

  /** Starts both informers (each returns once it has listed); events go to the listener. */
  void start(Listener listener) {
    secrets = client.secrets().inAnyNamespace().withLabel(Names.LABEL_DEPLOYMENT)
        .inform(handler(Kind.SECRET, listener, Secret::getData, Secret::getStringData), 0);
    configMaps = client.configMaps().inAnyNamespace().withLabel(Names.LABEL_DEPLOYMENT)
        .inform(handler(Kind.CONFIG_MAP, listener, ConfigMap::getData, ConfigMap::getBinaryData), 0);
  }

  /** {@code data} and {@code otherData}: the fields whose content becomes files (the rest changes none). */
  private static <T extends HasMetadata> ResourceEventHandler<T> handler(Kind kind, Listener listener,
      Function<T, Map<String, String>> data, Function<T, Map<String, String>> otherData) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        tell(obj);
      }

      @Override
      public void onUpdate(T oldObj, T obj) {
        // A change of labels or annotations changes no file.
        if (!Objects.equals(data.apply(oldObj), data.apply(obj))
            || !Objects.equals(otherData.apply(oldObj), otherData.apply(obj))) {
          tell(obj);
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        tell(obj);
      }

      private void tell(T obj) {
        try {
          listener.changed(kind, obj.getMetadata().getNamespace(), obj.getMetadata().getName());
        } catch (RuntimeException e) {
          log.warn("updating the pods that mount {} {}/{} failed", kind, obj.getMetadata().getNamespace(),
              obj.getMetadata().getName(), e);
        }
      }
    };
  }

  /** The file {@code token} of the credential volume; null when not mounted, missing or absent. */
  String token(Mounts m) {
    SharedIndexInformer<Secret> i = secrets;
    if (m.secretName() == null || i == null) {
      return null;
    }
    Secret secret = i.getStore().getByKey(m.namespace() + "/" + m.secretName());
    if (secret == null) {
      return null;
    }
    String key = m.secretFiles() == null ? TOKEN_FILE : m.secretFiles().get(TOKEN_FILE);
    if (key == null) {
      return null;
    }
    if (secret.getData() != null && secret.getData().get(key) != null) {
      try {
        return new String(Base64.getDecoder().decode(secret.getData().get(key).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        log.warn("Secret {}/{} key {} is not base64", m.namespace(), m.secretName(), key);
        return null;
      }
    }
    // The real API server folds stringData into data on write; the mock server keeps it apart.
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }

  /**
   * The files of the membership volume as the worker would read them; null when not mounted, the
   * ConfigMap is missing, or its content cannot be read.
   */
  Membership membership(Mounts m) {
    SharedIndexInformer<ConfigMap> i = configMaps;
    if (m.configMapName() == null || i == null) {
      return null;
    }
    ConfigMap cm = i.getStore().getByKey(m.namespace() + "/" + m.configMapName());
    if (cm == null || cm.getData() == null) {
      return null;
    }
    Map<String, String> files = new LinkedHashMap<>();
    for (String file : MEMBERSHIP_FILES) {
      String key = m.configMapFiles() == null ? file : m.configMapFiles().get(file);
      if (key != null && cm.getData().get(key) != null) {
        files.put(file, cm.getData().get(key));
      }
    }
    if (!files.containsKey(Membership.JWKS)) {
      return null; // as Membership.fromDirectory: no keys, no membership
    }
    try {
      return Membership.fromConfigMapData(files);
    } catch (IllegalArgumentException e) {
      log.debug("ConfigMap {}/{} is not a membership: {}", m.namespace(), m.configMapName(), e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {secrets, configMaps}) {
      if (i != null) {
        i.stop();
      }
    }
  }
}
