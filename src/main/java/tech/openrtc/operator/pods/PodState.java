package tech.openrtc.operator.pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import tech.openrtc.operator.api.Controllers;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Times;

/**
 * What the operator needs to know about one of its pods, read from labels, annotations and status.
 * This is the one definition of a pod's drain state: {@link #draining()} (told to drain, by either
 * mark) and {@link #fullyMarked()} (every part of the drain mark present).
 */
public record PodState(
    String name,
    String uid,
    String revision,
    String version,
    Instant createdAt,
    String podIp,
    String phase,
    boolean ready,
    Instant readySince,
    boolean drainAnnotated,
    boolean drainLabeled,
    Instant drainStartedAt,
    Instant drainDeadline,
    boolean terminating,
    Instant deletedAt,
    String inFlightAnnotation,
    String controllerUid,
    String resourceVersion,
    String role,
    Instant promotedAt,
    String node,
    Instant killAt) {

  public static PodState of(Pod pod) {
    var meta = pod.getMetadata();
    Map<String, String> labels = Optional.ofNullable(meta.getLabels()).orElse(Map.of());
    Map<String, String> annotations = Optional.ofNullable(meta.getAnnotations()).orElse(Map.of());
    var status = pod.getStatus();
    PodCondition readyCondition = status == null || status.getConditions() == null ? null
        : status.getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    boolean ready = readyCondition != null && "True".equals(readyCondition.getStatus());
    return new PodState(
        meta.getName(),
        meta.getUid(),
        labels.get(Names.LABEL_REVISION),
        labels.get(Names.LABEL_VERSION),
        time(meta.getCreationTimestamp()),
        status == null ? null : status.getPodIP(),
        status == null ? null : status.getPhase(),
        ready,
        ready ? time(readyCondition.getLastTransitionTime()) : null,
        "true".equals(annotations.get(Names.ANNOTATION_DRAIN)),
        "true".equals(labels.get(Names.LABEL_DRAINING)),
        time(annotations.get(Names.ANNOTATION_DRAIN_STARTED_AT)),
        time(annotations.get(Names.ANNOTATION_DRAIN_DEADLINE)),
        meta.getDeletionTimestamp() != null,
        deleteRequestedAt(meta),
        annotations.get(Names.ANNOTATION_IN_FLIGHT),
        Controllers.uid(pod),
        meta.getResourceVersion(),
        labels.get(Names.LABEL_ROLE),
        time(annotations.get(Names.ANNOTATION_PROMOTED_AT)),
        pod.getSpec() == null ? null : pod.getSpec().getNodeName(),
        time(meta.getDeletionTimestamp()));
  }

  /**
   * When the delete was asked for. The API server sets deletionTimestamp to that time plus the
   * grace period (the time the kubelet will kill the worker) and keeps the grace period beside it.
   */
  private static Instant deleteRequestedAt(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    Instant killAt = time(meta.getDeletionTimestamp());
    Long grace = meta.getDeletionGracePeriodSeconds();
    return killAt == null || grace == null ? killAt : killAt.minusSeconds(grace);
  }

  /** As seen once a delete of ours, not yet in the cache, has reached the API server. */
  public PodState deletedAt(Instant at) {
    return new PodState(name, uid, revision, version, createdAt, podIp, phase, ready, readySince, drainAnnotated,
        drainLabeled, drainStartedAt, drainDeadline, true, at, inFlightAnnotation, controllerUid, resourceVersion, role, promotedAt,
        node, killAt);
  }

  /**
   * The worker may take calls as an active one: labelled {@code role=active}, or carrying no role
   * label (a pod from before role labels: its worker gates on membership alone).
   */
  public boolean roleActive() {
    return role == null || Names.ROLE_ACTIVE.equals(role);
  }

  /**
   * Its worker has had {@code settle} to see that it is active: created active, or promoted at
   * least {@code settle} ago.
   */
  public boolean activeSettled(Instant now, java.time.Duration settle) {
    return roleActive() && (promotedAt == null || !promotedAt.plus(settle).isAfter(now));
  }

  /** Draining is one-way: either mark means the pod was told to drain. */
  public boolean draining() {
    return drainAnnotated || drainLabeled;
  }

  /** When this pod started draining: its drain mark, else its deletion (Signal, or by hand), else {@code now}. */
  public Instant drainingSince(Instant now) {
    if (drainStartedAt != null) {
      return drainStartedAt;
    }
    return deletedAt != null ? deletedAt : now;
  }

  /** Both marks, both timestamps and role=draining present; otherwise the drain patch is applied again. */
  public boolean fullyMarked() {
    return drainAnnotated && drainLabeled && drainStartedAt != null && drainDeadline != null
        && Names.ROLE_DRAINING.equals(role);
  }

  /** The worker process has ended (or never started): the pod can hold no call. */
  public boolean exited() {
    return "Failed".equals(phase) || "Succeeded".equals(phase)
        || ("Pending".equals(phase) || phase == null) && podIp == null;
  }

  public boolean failed() {
    return "Failed".equals(phase);
  }

  /** Ready without interruption for at least {@code minReadySeconds} at {@code now}. */
  public boolean available(int minReadySeconds, Instant now) {
    if (!ready) {
      return false;
    }
    return minReadySeconds == 0 || readySince == null
        || !readySince.plusSeconds(minReadySeconds).isAfter(now);
  }

  static Instant time(String rfc3339) {
    return Times.parse(rfc3339);
  }
}
