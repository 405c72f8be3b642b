package tech.openrtc.operator.api;

/** The part a live revision plays in a rollout. */
public enum Role {
  /** New revision, starting, not yet promoted. */
  Preview,
  /** Takes new calls. */
  Active,
  /** Takes no new calls; finishes the ones it has, then goes away. */
  Draining
}
