package tech.openrtc.operator.bench;

import java.time.Duration;
import tech.openrtc.operator.sim.CallProfile;

/**
 * One benchmark run: N AgentDeployments of R replicas under calls, all bumped to a new version at
 * once.
 *
 * @param label how the run is named in the report
 * @param calls call arrivals over all deployments together (each gets an equal share of the rate)
 * @param source where the operator reads in-flight counts
 * @param startupDelay simulated time from pod creation to Ready
 * @param idleSeconds how long to watch for operator writes after all are Healthy; 0: not measured
 * @param timeout how long the rollout may take before the run fails
 * @param operator where the operator runs
 */
public record BenchConfig(
    String label,
    int deployments,
    int replicas,
    CallProfile calls,
    int pollSeconds,
    Source source,
    Duration startupDelay,
    int idleSeconds,
    Duration timeout,
    Operator operator) {

  /** Where the operator runs. */
  public enum Operator {
    /** In the bench's JVM (AgentOperator.start): quicker to start; the test suite's mode. */
    IN_PROCESS,
    /** In a JVM of its own ({@code run} against the simulated cluster's kubeconfig), as a user runs it. */
    OWN_PROCESS,
    /** As OWN_PROCESS, recorded by Java Flight Recorder (profile settings) into operator.jfr. */
    OWN_PROCESS_PROFILED
  }

  /** The in-flight source of the run. */
  public enum Source {
    /** GET /worker on every draining pod, every pollSeconds. */
    http,
    /** The worker writes its count as a pod annotation; a change is an informer event. */
    annotation,
    /** LiveKit RoomService counts, and LiveKit webhooks to the operator when a call ends. */
    livekit,
    /** LiveKit RoomService counts only, no webhooks: every drain waits for a poll. */
    livekit_polled
  }

  public BenchConfig {
    if (deployments < 1 || replicas < 1 || pollSeconds < 1 || idleSeconds < 0) {
      throw new IllegalArgumentException("need deployments, replicas, pollSeconds >= 1 and idleSeconds >= 0");
    }
  }
}
