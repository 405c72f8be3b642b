package tech.openrtc.operator.drain;

/**
 * What the reconciler resolved for one AgentDeployment's {@code spec.livekit}: credentials to
 * read the server with, or why there are none. Without credentials every LiveKit reading is
 * unknown (never 0), so no pod is deleted on the strength of the LiveKit source.
 */
public record LiveKitAccess(LiveKitCredentials credentials, String unavailable) {

  private static final LiveKitAccess NONE = new LiveKitAccess(null, "spec.livekit is not configured");

  public static LiveKitAccess of(LiveKitCredentials credentials) {
    return new LiveKitAccess(credentials, null);
  }

  public static LiveKitAccess unavailable(String why) {
    return new LiveKitAccess(null, why);
  }

  /** No {@code spec.livekit}: nothing to read. */
  public static LiveKitAccess none() {
    return NONE;
  }

  public boolean available() {
    return credentials != null;
  }

  @Override
  public String toString() {
    return available() ? "LiveKitAccess[" + credentials + "]" : "LiveKitAccess[unavailable: " + unavailable + "]";
  }
}
