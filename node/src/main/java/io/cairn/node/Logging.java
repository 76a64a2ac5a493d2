package io.cairn.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The process's logging: logback behind SLF4J 2, configured by logback.xml and {@code log.level}. */
final class Logging {
  private Logging() {}

  /**
   * Vert.x picks its log delegate when its first class loads, so this must run before. Vert.x 5
   * would find SLF4J on the class path by itself (vertx-core-logging's LoggerFactory tries SLF4J
   * first unless vertx-default-jul-logging.properties exists); the property makes it explicit.
   * Netty finds SLF4J on its own.
   */
  static void routeVertxToSlf4j() {
    System.setProperty("vertx.logger-delegate-factory-class-name",
        "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  /** Sets the root level, e.g. {@code INFO}. */
  static void level(String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
