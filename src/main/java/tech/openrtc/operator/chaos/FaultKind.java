package tech.openrtc.operator.chaos;

import java.util.Arrays;
import java.util.List;

/** Every kind of fault a chaos run injects, by who or what causes it. */
public enum FaultKind {
  // The operator process
  OPERATOR_KILL(Group.OPERATOR, "an operator process killed with SIGKILL (no cleanup), restarted 1-5 s later"),
  LEADER_HANDOVER(Group.OPERATOR, "the leader's process killed; the standby takes the Lease, the killed one comes back as standby"),
  // The API server, on the operator's requests only
  API_500(Group.API, "the next 1-5 operator requests answered 500 InternalError, not applied"),
  API_409(Group.API, "the next 1-5 operator writes answered 409 Conflict, not applied"),
  API_429(Group.API, "the next 1-5 operator requests answered 429 with Retry-After: 1, not applied"),
  API_SLOW(Group.API, "the next 1-5 operator requests answered 1-2 s late"),
  API_TIMEOUT(Group.API, "the next operator write applied, but answered only after the client gave up"),
  WATCH_DROP(Group.API, "every open watch of the operators closed by the server"),
  WATCH_EVENT_LOST(Group.API, "the DELETED watch event of a terminating pod sent to no watch"),
  // A worker (or the network to it)
  WORKER_CRASH(Group.WORKER, "a worker process crashes with its calls (unplanned: counted as cut)"),
  WORKER_HANG(Group.WORKER, "a worker's /worker accepts connections and never answers, for 5-40 s"),
  WORKER_GARBAGE(Group.WORKER, "a worker's /worker answers 200 with a body that is not JSON, for 5-40 s"),
  WORKER_FLAP(Group.WORKER, "a worker's /worker flaps between refusing connections and a count, every second for 10 s"),
  WORKER_LIE_ZERO(Group.WORKER, "a busy active worker reports 0 calls for 10-40 s, and a version bump drains it meanwhile"),
  // Nodes
  NODE_DRAIN(Group.NODE, "kubectl drain of a node (cordon, evict every 5 s), uncordoned once empty"),
  KARPENTER_TAINT(Group.NODE, "Karpenter disrupts a node (taint karpenter.sh/disrupted, evict), untainted once empty"),
  FORCED_DELETE(Group.NODE, "a worker pod deleted with grace period 0 (unplanned: counted as cut)"),
  // The user
  VERSION_BUMP(Group.USER, "spec.version bumped (also every 5-20 s in the background)"),
  SCALE(Group.USER, "spec.replicas set to 1-4"),
  PAUSE_RESUME(Group.USER, "rollout pause, a version bump, resume 3-8 s later"),
  PROMOTE(Group.USER, "autoPromote off, a version bump, rollout promote 2-6 s later"),
  ABORT(Group.USER, "autoPromote off, a version bump, rollout abort 2-6 s later, then a new version"),
  UNDO_DURING_DRAIN(Group.USER, "a version bump, rollout undo as soon as an old pod drains"),
  INVALID_SPEC(Group.USER, "spec made invalid (replicas -1 or a bad version), fixed 3-8 s later"),
  DELETE_RECREATE(Group.USER, "the AgentDeployment deleted, recreated once it is gone");

  /** Who causes the fault. */
  public enum Group { OPERATOR, API, WORKER, NODE, USER }

  private final Group group;
  private final String description;

  FaultKind(Group group, String description) {
    this.group = group;
    this.description = description;
  }

  public Group group() {
    return group;
  }

  public String description() {
    return description;
  }

  /** The kinds a run injects: leader handover only when there are two operators. */
  public static List<FaultKind> injected(boolean leaderElection) {
    return Arrays.stream(values()).filter(k -> leaderElection || k != LEADER_HANDOVER).toList();
  }
}
