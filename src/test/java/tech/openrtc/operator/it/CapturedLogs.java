package tech.openrtc.operator.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Every log line (audit included, at any level) while open, whatever an earlier test set. */
final class CapturedLogs implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger audit = (Logger) LoggerFactory.getLogger("audit");
  private final Level rootLevel = root.getLevel();
  private final Level auditLevel = audit.getLevel();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  CapturedLogs() {
    appender.start();
    root.addAppender(appender);
    // The CLI quiets the log; a test that looks at it wants all of it.
    root.setLevel(Level.DEBUG);
    audit.setLevel(Level.DEBUG);
  }

  List<ILoggingEvent> events() {
    return List.copyOf(appender.list);
  }

  /** The formatted lines of one logger. */
  List<String> lines(String logger) {
    return events().stream().filter(e -> e.getLoggerName().equals(logger)).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    root.setLevel(rootLevel);
    audit.setLevel(auditLevel);
  }
}
