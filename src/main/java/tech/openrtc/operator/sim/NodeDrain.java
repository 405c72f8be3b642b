package tech.openrtc.operator.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node being emptied through the eviction API, as kubectl drain, Karpenter or
 * cluster-autoscaler do it once the node is cordoned or tainted (see {@link SimNodes}).
 *
 * <p>As kubectl drain (staging/src/k8s.io/kubectl/pkg/drain/drain.go evictPods): each pod is
 * evicted, a refused eviction (429) is retried after {@link SimOptions#evictionRetry()} (kubectl:
 * 5 s), and the drain waits until the pods are gone, looking once a second. Not modelled:
 * kubectl's refusals of DaemonSet, unmanaged or emptyDir pods, Karpenter's and cluster-autoscaler's
 * backoff curves and their deletion of the node afterwards.
 */
public final class NodeDrain {

  private static final Logger log = LoggerFactory.getLogger(NodeDrain.class);
  /** kubectl drain's waitForDelete polls once a second. */
  private static final Duration LOOK = Duration.ofSeconds(1);

  public enum Kind { KUBECTL, KARPENTER, CLUSTER_AUTOSCALER }

  private final SimRuntime rt;
  private final SimNodes nodes;
  private final KubernetesClient client;
  private final Kind kind;
  private final String node;
  private final Instant forceAt;
  private final CompletableFuture<Instant> done = new CompletableFuture<>();
  private final AtomicInteger evictionsAllowed = new AtomicInteger();
  private final AtomicInteger evictionsRefused = new AtomicInteger();
  private final AtomicInteger forcedDeletes = new AtomicInteger();
  /** When each pod (by uid) may be tried again after a refusal. */
  private final Map<String, Instant> retryAt = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  private volatile ScheduledFuture<?> next;

  NodeDrain(SimRuntime rt, SimNodes nodes, KubernetesClient client, Kind kind, String node, Duration forceAfter) {
    this.rt = rt;
    this.nodes = nodes;
    this.client = client;
    this.kind = kind;
    this.node = node;
    this.forceAt = forceAfter == null ? null : Instant.now().plus(forceAfter);
  }

  void start() {
    runSoon();
  }

  public Kind kind() {
    return kind;
  }

  public String node() {
    return node;
  }

  /** Completes with the time the node was found empty; never if the drain is stopped first. */
  public CompletableFuture<Instant> done() {
    return done;
  }

  /** When the node was found empty, or null. */
  public Instant emptiedAt() {
    return done.getNow(null);
  }

  public int evictionsAllowed() {
    return evictionsAllowed.get();
  }

  public int evictionsRefused() {
    return evictionsRefused.get();
  }

  /** Pods deleted with a plain DELETE after {@code forceAfter}. */
  public int forcedDeletes() {
    return forcedDeletes.get();
  }

  /** Stops trying; taints and cordon stay as they are. */
  public void stop() {
    stopped = true;
    ScheduledFuture<?> n = next;
    if (n != null) {
      n.cancel(false);
    }
  }

  private void runSoon() {
    try {
      rt.io.execute(this::round);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /** One look at the node: done if it is empty, else evict (or delete) what is due. */
  private void round() {
    if (stopped || rt.closing) {
      return;
    }
    try {
      List<Pod> pods = nodes.podsOn(node);
      if (pods.isEmpty()) {
        done.complete(Instant.now());
        return;
      }
      Instant now = Instant.now();
      boolean force = forceAt != null && !now.isBefore(forceAt);
      for (Pod pod : pods) {
        if (pod.getMetadata().getDeletionTimestamp() != null || stopped) {
          continue; // already going: wait for it
        }
        if (force) {
          delete(pod);
        } else if (!now.isBefore(retryAt.getOrDefault(pod.getMetadata().getUid(), Instant.MIN))) {
          evict(pod, now);
        }
      }
    } catch (RuntimeException e) {
      if (!rt.closing) {
        log.warn("draining node {}", node, e);
      }
    }
    Duration wait = LOOK.compareTo(rt.options.evictionRetry()) < 0 ? LOOK : rt.options.evictionRetry();
    try {
      next = rt.scheduler.schedule(this::runSoon, wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void evict(Pod pod, Instant now) {
    try {
      if (client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).evict()) {
        evictionsAllowed.incrementAndGet();
      } else {
        evictionsRefused.incrementAndGet();
        retryAt.put(pod.getMetadata().getUid(), now.plus(rt.options.evictionRetry()));
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) { // gone meanwhile: nothing to evict
        log.info("evicting pod {}/{} from node {}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), node, e.getMessage());
        retryAt.put(pod.getMetadata().getUid(), now.plus(rt.options.evictionRetry()));
      }
    }
  }

  private void delete(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    forcedDeletes.incrementAndGet();
  }
}
