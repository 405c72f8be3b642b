package tech.openrtc.operator.chaos;

/**
 * One AgentDeployment of a chaos run and how it reads in-flight calls, which decides the worker
 * faults it can see.
 */
public record ChaosDeployment(String name, Source source) {

  /** The in-flight source (and drain trigger) a chaos deployment uses. */
  public enum Source {
    /** {@code inFlight.http}, Annotation trigger. */
    HTTP("http"),
    /** {@code inFlight.http} + {@code livekit}, {@code crossCheck: true}: delete only when both read 0. */
    CROSS_CHECK("http+livekit crossCheck"),
    /** {@code inFlight.annotation}: the worker writes its count on its pod. */
    ANNOTATION("annotation"),
    /** {@code inFlight.http}, Signal trigger: deleted at drain start with grace = timeoutSeconds. */
    SIGNAL("http, Signal trigger");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /**
     * Whether a worker that reports 0 while it holds calls can be caught: only where a second,
     * independent count exists (LiveKit's participants). The http and annotation counts both come
     * from the worker itself.
     */
    public boolean seesLyingWorker() {
      return this == CROSS_CHECK;
    }
  }

  /** Deployment number i of a run: the sources in turn, so any four cover them all. */
  public static ChaosDeployment numbered(int i) {
    Source source = Source.values()[i % Source.values().length];
    return new ChaosDeployment("agent-" + i, source);
  }
}
