package tech.openrtc.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance holds the Lease (always, without leader election), kept by the elector's
 * callbacks, and shown on this replica's pod by a {@link LeaderPodLabel} when there is one.
 */
final class Leadership implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final LeaderElection election;
  private final AtomicBoolean leading;
  private final LeaderPodLabel podLabel;
  private volatile boolean stopping;
  private volatile Runnable stopReconciling = () -> { };

  /**
   * @param election null: no election, this instance reconciles from the start
   * @param podLabel null: no pod to label (no election, or no pod known)
   */
  Leadership(LeaderElection election, LeaderPodLabel podLabel) {
    this.election = election;
    this.podLabel = podLabel;
    this.leading = new AtomicBoolean(election == null);
  }

  /** For JOSDK's configuration; null without leader election. */
  LeaderElectionConfiguration josdkConfiguration() {
    return election == null ? null
        : election.josdkConfiguration(new LeaderCallbacks(this::startedLeading, this::stoppedLeading, leader -> { }));
  }

  boolean leading() {
    return leading.get();
  }

  /** What stops reconciling when the Lease is lost (the operator exists only after its configuration). */
  void onLoss(Runnable stopReconciling) {
    this.stopReconciling = stopReconciling;
  }

  /** The operator is stopping on purpose: the "stopped leading" that follows is expected. */
  void stopping() {
    stopping = true;
  }

  /** Takes the leader label off this replica's pod (shutting down: webhooks should go elsewhere). */
  @Override
  public void close() {
    if (podLabel != null) {
      podLabel.close();
    }
  }

  private void startedLeading() {
    leading.set(true);
    if (podLabel != null) {
      podLabel.leading(true);
    }
    LOG.info("{} holds Lease {}/{}: reconciling", election.identity(), election.leaseNamespace(), election.leaseName());
  }

  private void stoppedLeading() {
    leading.set(false);
    if (podLabel != null) {
      podLabel.leading(false);
    }
    if (stopping) {
      return;
    }
    // Another replica holds the Lease now. JOSDK keeps reconciling after a loss when it is not
    // configured to exit, so stop here: two reconcilers could each drain or delete pods. On a
    // thread of its own, because the elector calls us holding a lock that stopping needs too.
    LOG.error("{} lost Lease {}/{}: stopping", election.identity(), election.leaseNamespace(), election.leaseName());
    new Thread(() -> {
      stopReconciling.run();
      election.onLost().run();
    }, "lost-leadership").start();
  }
}
