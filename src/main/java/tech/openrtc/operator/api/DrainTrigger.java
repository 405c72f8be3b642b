package tech.openrtc.operator.api;

/** How a worker learns it must drain. */
public enum DrainTrigger {
  /** Drain annotations on the pod; the worker watches its downward-API file. */
  Annotation,
  /** Delete with a grace period of timeoutSeconds: SIGTERM is the drain (unmodified livekit-agents). */
  Signal
}
