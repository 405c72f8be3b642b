package tech.openrtc.operator.drain;

import java.util.Map;

/**
 * One poll of a LiveKit server for one AgentDeployment: the deployment's AGENT participants per
 * pod ({@code openrtc.pod}) and per version ({@code openrtc.version}). Either every call of the
 * poll succeeded, or the whole poll is unknown: a partial answer could miss a busy pod.
 *
 * @param byPod agents attributed to a pod
 * @param byVersion all agents per version, attributed to a pod or not
 * @param unattributedByVersion agents that name a version but no pod
 * @param rooms rooms ListRooms returned
 * @param roomsQueried rooms ListParticipants was called for
 */
public record LiveKitCounts(
    String error,
    Map<String, Integer> byPod,
    Map<String, Integer> byVersion,
    Map<String, Integer> unattributedByVersion,
    int rooms,
    int roomsQueried) {

  public static LiveKitCounts failed(String error) {
    return new LiveKitCounts(error, Map.of(), Map.of(), Map.of(), 0, 0);
  }

  public boolean known() {
    return error == null;
  }

  /**
   * A pod's reading. A pod in no room reads 0 only because every call succeeded. Agents of the
   * pod's version that name no pod might be on this one: they are added, so such a version's
   * pods read 0 only when the version as a whole does.
   */
  public InFlight forPod(String pod, String version) {
    if (!known()) {
      return InFlight.unknown("LiveKit: " + error);
    }
    int count = byPod.getOrDefault(pod, 0);
    if (version != null) {
      count += unattributedByVersion.getOrDefault(version, 0);
    }
    return InFlight.of(count);
  }
}
