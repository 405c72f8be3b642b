package tech.openrtc.operator.api;

/** What happens when a draining pod still holds calls at its deadline. */
public enum OnTimeout {
  /** Delete with the pod's own grace period and count the calls cut. */
  Terminate,
  /** Keep the pod and report Degraded. */
  Wait
}
