package tech.openrtc.operator.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import tech.openrtc.operator.pods.PodState;

/**
 * The pods of one AgentDeployment sorted into the groups a rollout decision needs. Records only;
 * decides nothing.
 */
public record Observation(
    String target,
    String active,
    boolean activeRecovered,
    List<PodState> activePods,
    List<PodState> previewPods,
    List<PodState> supersededPods,
    List<PodState> drainingPods,
    List<PodState> terminatingPods,
    List<PodState> exitedPods) {

  /**
   * @param recordedActive {@code status.activeRevision}; when absent (first rollout, or status
   *     lost) the revision with the most ready, undrained pods is active, else the target.
   */
  public static Observation of(String target, String recordedActive, List<PodState> pods) {
    List<PodState> terminating = new ArrayList<>();
    List<PodState> draining = new ArrayList<>();
    List<PodState> exited = new ArrayList<>();
    List<PodState> working = new ArrayList<>();
    for (PodState pod : pods) {
      if (pod.terminating()) {
        terminating.add(pod);
      } else if (pod.draining()) {
        draining.add(pod);
      } else if (pod.failed() || "Succeeded".equals(pod.phase())) {
        exited.add(pod);
      } else {
        working.add(pod);
      }
    }
    String active = recordedActive;
    boolean recovered = false;
    if (active == null) {
      active = mostReady(working, target);
      recovered = active != null;
      if (active == null) {
        active = target;
      }
    }
    List<PodState> activePods = new ArrayList<>();
    List<PodState> previewPods = new ArrayList<>();
    List<PodState> superseded = new ArrayList<>();
    for (PodState pod : working) {
      if (Objects.equals(pod.revision(), active)) {
        activePods.add(pod);
      } else if (Objects.equals(pod.revision(), target)) {
        previewPods.add(pod);
      } else {
        superseded.add(pod);
      }
    }
    return new Observation(target, active, recovered, activePods, previewPods, superseded, draining,
        terminating, exited);
  }

  /** Most ready pods wins; on a tie the revision with the oldest pod, which was serving first. */
  private static String mostReady(List<PodState> working, String target) {
    Map<String, List<PodState>> readyByRevision = working.stream()
        .filter(p -> p.ready() && p.revision() != null && !p.revision().equals(target))
        .collect(Collectors.groupingBy(PodState::revision));
    Comparator<Map.Entry<String, List<PodState>>> order = Comparator
        .comparingInt((Map.Entry<String, List<PodState>> e) -> e.getValue().size())
        .thenComparing(e -> oldest(e.getValue()), Comparator.nullsFirst(Comparator.<Instant>reverseOrder()))
        .thenComparing(Map.Entry::getKey);
    return readyByRevision.entrySet().stream().max(order).map(Map.Entry::getKey).orElse(null);
  }

  private static Instant oldest(List<PodState> pods) {
    return pods.stream().map(PodState::createdAt).filter(Objects::nonNull).min(Comparator.naturalOrder()).orElse(null);
  }

  public boolean rollingOut() {
    return !Objects.equals(target, active);
  }

  /**
   * Pods whose count the decision needs: every draining or terminating pod, and the pods of a
   * group that has more than {@code replicas} (to drain the least busy).
   */
  public Set<PodState> toProbe(int replicas) {
    Set<PodState> probe = new LinkedHashSet<>();
    drainingPods.stream().filter(p -> !p.exited()).forEach(probe::add);
    terminatingPods.stream().filter(p -> !p.exited()).forEach(probe::add);
    if (activePods.size() > replicas) {
      probe.addAll(activePods);
    }
    if (rollingOut() && previewPods.size() > replicas) {
      probe.addAll(previewPods);
    }
    return probe;
  }

  /** Every pod that still exists, newest last. */
  public List<PodState> all() {
    List<PodState> all = new ArrayList<>();
    all.addAll(activePods);
    all.addAll(previewPods);
    all.addAll(supersededPods);
    all.addAll(drainingPods);
    all.addAll(terminatingPods);
    all.addAll(exitedPods);
    all.sort(Comparator.comparing(PodState::name));
    return all;
  }
}
