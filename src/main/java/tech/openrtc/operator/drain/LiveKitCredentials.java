package tech.openrtc.operator.drain;

import java.util.Objects;

/**
 * Where and as whom the operator reads a LiveKit server. {@link #toString()} never shows the
 * secret, so a credentials object that reaches a log or an exception message leaks nothing.
 */
public record LiveKitCredentials(String url, String apiKey, String apiSecret) {

  public LiveKitCredentials {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiSecret, "apiSecret");
  }

  /** The Twirp base URL: LiveKit's ws(s):// signalling URL names the same host over http(s). */
  public String httpUrl() {
    String u = url.trim();
    if (u.regionMatches(true, 0, "wss://", 0, 6)) {
      u = "https://" + u.substring(6);
    } else if (u.regionMatches(true, 0, "ws://", 0, 5)) {
      u = "http://" + u.substring(5);
    }
    return u.endsWith("/") ? u : u + "/";
  }

  @Override
  public String toString() {
    return "LiveKitCredentials[url=" + url + ", apiKey=" + apiKey + ", apiSecret=***]";
  }
}
