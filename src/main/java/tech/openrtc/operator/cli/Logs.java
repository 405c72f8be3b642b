package tech.openrtc.operator.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/** Log set-up of the commands: quiet for the ones that print for a person, JSON on request. */
final class Logs {
  private Logs() {}

  /** How {@code run} writes its log. */
  enum Format { text, json }

  static void quiet() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("audit")).setLevel(Level.OFF);
  }

  /** Replaces the logging set-up with {@code logback.xml} (text) or {@code logback-json.xml}. */
  static void use(Format format) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Logs.class.getResource(format == Format.json ? "/logback-json.xml" : "/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("logging set-up failed: " + e.getMessage(), e);
    }
  }
}
