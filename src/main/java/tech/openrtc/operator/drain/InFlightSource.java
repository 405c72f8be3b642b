package tech.openrtc.operator.drain;

/** Where the operator reads a pod's in-flight call count. */
public enum InFlightSource {
  HTTP,
  ANNOTATION,
  LIVEKIT,
  /** http and livekit, a pod is drained only when both read 0. */
  HTTP_AND_LIVEKIT
}
