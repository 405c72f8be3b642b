package tech.openrtc.operator.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;

/** Commands that print for a person keep the operator's log out of their output. */
final class Logs {
  private Logs() {}

  static void quiet() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("audit")).setLevel(Level.OFF);
  }
}
