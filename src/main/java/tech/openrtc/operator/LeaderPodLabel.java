package tech.openrtc.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@value #LABEL}{@code : "true"} on this replica's own pod while it holds the Lease, and
 * off otherwise, so the webhook Service ({@code openrtc-operator-webhook}), which selects the
 * label, sends {@code /livekit/webhook} to the leader only: a standby answers it with 503.
 *
 * <p>Each change is a JSON merge patch of the pod's labels, on a thread of its own (the elector's
 * callbacks must not wait on the API server). A failed patch is retried every
 * {@link #RETRY_SECONDS} s while the wanted state stays the same. A pod this replica may not patch
 * (403) or cannot find (404: running outside a cluster, or a wrong POD_NAME) is logged once and
 * left alone from then on: leadership itself does not depend on the label.
 */
public final class LeaderPodLabel implements AutoCloseable {

  public static final String LABEL = "openrtc.tech/leader";
  static final long RETRY_SECONDS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(LeaderPodLabel.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "leader-label");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean wanted;
  /** What the pod carries as far as we know; null: unknown. Only touched on {@link #thread}. */
  private Boolean applied;
  private boolean givenUp;

  /**
   * Starts by taking the label off: a replica restarted in the same pod (a crash, an OOM kill)
   * must not be selected as the leader it was.
   */
  LeaderPodLabel(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    thread.execute(this::apply);
  }

  /** Whether this replica leads now; the pod follows shortly. */
  void leading(boolean leading) {
    wanted = leading;
    try {
      thread.execute(this::apply);
    } catch (RejectedExecutionException e) {
      // closed: close() has taken the label off
    }
  }

  private void apply() {
    boolean want = wanted;
    if (givenUp || Boolean.valueOf(want).equals(applied)) {
      return;
    }
    String value = want ? "\"true\"" : "null";
    try {
      client.pods().inNamespace(namespace).withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"" + LABEL + "\":" + value + "}}}");
      applied = want;
      LOG.info("{} pod {}/{}: {}", want ? "labelled" : "unlabelled", namespace, name,
          want ? LABEL + "=true, the webhook Service selects it" : "the webhook Service no longer selects it");
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403 || e.getCode() == 404) {
        givenUp = true;
        LOG.warn("cannot label pod {}/{} as the leader ({}): {}; the webhook Service will not select it."
                + " Leader election is not affected", namespace, name, e.getCode() == 403 ? "forbidden" : "not found",
            e.getCode() == 404 ? "running outside a cluster, or POD_NAME/POD_NAMESPACE not this pod"
                : "the operator needs patch on pods in its namespace");
        return;
      }
      LOG.warn("pod {}/{}: {} {} failed, retrying in {} s: {}", namespace, name, want ? "adding" : "removing", LABEL,
          RETRY_SECONDS, e.getMessage());
      thread.schedule(this::apply, RETRY_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Takes the label off (waits up to a few seconds for it), then stops. */
  @Override
  public void close() {
    wanted = false;
    try {
      thread.submit(this::apply).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("pod {}/{}: {} not removed at shutdown: {}", namespace, name, LABEL, e.toString());
    } finally {
      thread.shutdownNow();
    }
  }
}
