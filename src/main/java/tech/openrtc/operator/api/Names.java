package tech.openrtc.operator.api;

/** Label, annotation, env and path names fixed by the design contract (DESIGN.md). */
public final class Names {
  private Names() {}

  public static final String GROUP = "agents.openrtc.tech";
  public static final String PREFIX = GROUP + "/";

  // labels
  public static final String LABEL_DEPLOYMENT = PREFIX + "deployment";
  public static final String LABEL_REVISION = PREFIX + "revision";
  public static final String LABEL_VERSION = PREFIX + "version";
  public static final String LABEL_DRAINING = PREFIX + "draining";
  /**
   * What a worker may do, read by the worker from its podinfo labels: {@value #ROLE_ACTIVE} takes
   * new calls, {@value #ROLE_PREVIEW} waits for promotion, {@value #ROLE_DRAINING} finishes its calls.
   */
  public static final String LABEL_ROLE = PREFIX + "role";
  public static final String ROLE_PREVIEW = "preview";
  public static final String ROLE_ACTIVE = "active";
  public static final String ROLE_DRAINING = "draining";

  // annotations
  public static final String ANNOTATION_DRAIN = PREFIX + "drain";
  public static final String ANNOTATION_DRAIN_STARTED_AT = PREFIX + "drain-started-at";
  public static final String ANNOTATION_DRAIN_DEADLINE = PREFIX + "drain-deadline";
  public static final String ANNOTATION_IN_FLIGHT = PREFIX + "in-flight";
  /** When a preview pod was promoted to {@value #ROLE_ACTIVE} (RFC 3339 with milliseconds). */
  public static final String ANNOTATION_PROMOTED_AT = PREFIX + "promoted-at";

  // commands, set on the AgentDeployment (by `kubectl agents rollout ...` or kubectl annotate)
  public static final String ANNOTATION_ROLLBACK_TO = PREFIX + "rollback-to";
  public static final String ANNOTATION_PROMOTE = PREFIX + "promote";
  /** Value: the revision whose rollout is aborted; stale once the spec names another revision. */
  public static final String ANNOTATION_ABORT = PREFIX + "abort";
  public static final String ANNOTATION_CHANGE_CAUSE = "kubernetes.io/change-cause";
  /** On the pod template, as `kubectl rollout restart` does for Deployments. */
  public static final String ANNOTATION_RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  // env injected into every container
  public static final String ENV_DEPLOYMENT_VERSION = "OPENRTC_DEPLOYMENT_VERSION";
  public static final String ENV_REVISION = "OPENRTC_REVISION";
  public static final String ENV_AGENT_NAME = "LIVEKIT_AGENT_NAME";
  public static final String ENV_CREDENTIAL_FILE = "OPENRTC_CREDENTIAL_FILE";

  // mounts
  public static final String PODINFO_DIR = "/etc/openrtc/podinfo";
  public static final String CREDENTIAL_DIR = "/var/run/openrtc/credential";
  public static final String CREDENTIAL_FILE = CREDENTIAL_DIR + "/token";
  public static final String MEMBERSHIP_DIR = "/etc/openrtc/membership";

  /** Participant attributes a worker sets on its LiveKit agent participant when it accepts a job. */
  /** On every AgentDeployment: its pods drain before it goes. */
  public static final String FINALIZER = "agents.openrtc.tech/drain";
  public static final String LIVEKIT_ATTR_VERSION = "openrtc.version";
  public static final String LIVEKIT_ATTR_POD = "openrtc.pod";
  /** Set by livekit-agents itself on every agent participant. */
  public static final String LIVEKIT_ATTR_AGENT_NAME = "lk.agent.name";
}
