package tech.openrtc.operator.api;

/** Where an AgentDeployment's rollout stands; {@code status.phase}. */
public enum Phase {
  Pending,
  Progressing,
  AwaitingPromotion,
  Draining,
  Healthy,
  Paused,
  Aborted,
  Degraded
}
