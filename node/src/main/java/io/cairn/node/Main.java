package io.cairn.node;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.cairn.node.config.CairnConfig;
import io.cairn.node.config.ConfigException;
import io.cairn.node.config.ConfigLoader;
import io.cairn.node.config.Values;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar cairn.jar [--config FILE] [--KEY VALUE | --KEY=VALUE ...] [--help]}.
 *
 * <p>Exit codes: 0 after a clean stop on SIGTERM or SIGINT (and after {@code --help}); 1 when the
 * start failed or the stop did not finish within {@code shutdown.grace} plus 15s; 2 for a
 * configuration error. A failure is reported as one line on stderr.
 */
public final class Main {
  static {
    Logging.routeVertxToSlf4j(); // before any Vert.x class loads
  }

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  static final int STARTUP_FAILED = 1;
  static final int CONFIGURATION_ERROR = 2;
  /** How long the start may take, the store's connection included. */
  static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  /** What shutdown may take beyond the grace: closing the store and Vert.x. */
  static final Duration CLOSE_ALLOWANCE = Duration.ofSeconds(15);

  /** The exit code the process asked for itself; -1 when a signal ends it. */
  private static final AtomicInteger requestedExit = new AtomicInteger(-1);

  private Main() {}

  public static void main(String[] args) {
    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.load(List.of(args), System.getenv(), Main::hostName);
    } catch (ConfigException e) {
      System.err.println("cairn: configuration error: " + e.getMessage());
      System.exit(CONFIGURATION_ERROR);
      return;
    }
    if (loaded.help()) {
      System.out.print(ConfigLoader.help());
      return;
    }
    CairnConfig config = loaded.config();
    Logging.level(config.log().level());
    log.atInfo().setMessage("starting node {}").addArgument(config.node().id())
        .addKeyValue("java", System.getProperty("java.version"))
        .addKeyValue("pid", ProcessHandle.current().pid())
        .log();

    Node node = new Node(config, reason -> new Thread(() -> {
      System.err.println("cairn: configuration error: " + reason);
      requestedExit.set(CONFIGURATION_ERROR);
      System.exit(CONFIGURATION_ERROR); // the hook stops the node, then exits with this code
    }, "cairn-fatal").start());
    // SIGTERM, SIGINT and System.exit all run this hook. A second signal while it runs changes
    // nothing (the JVM ignores it), and the hook gives up after its deadline: it never hangs.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndHalt(node, config), "cairn-shutdown"));
    try {
      node.start().toCompletionStage().toCompletableFuture().get(START_TIMEOUT.toMillis(), MILLISECONDS);
    } catch (ExecutionException e) {
      failStart(StartupFailure.describe(e.getCause()));
    } catch (TimeoutException e) {
      failStart("the node did not start within " + Values.formatDuration(START_TIMEOUT));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failStart("interrupted");
    }
    // Vert.x's threads keep the process alive from here.
  }

  private static void failStart(String what) {
    System.err.println("cairn: startup failed: " + what);
    requestedExit.set(STARTUP_FAILED);
    System.exit(STARTUP_FAILED); // the hook stops what did start, then exits with this code
  }

  /**
   * Stops the node within {@code shutdown.grace} plus {@link #CLOSE_ALLOWANCE}, then halts: with
   * the code the process asked for, else 0 after a clean stop (a JVM ended by SIGTERM would
   * otherwise exit with 143), else 1.
   */
  private static void stopAndHalt(Node node, CairnConfig config) {
    Duration deadline = config.shutdown().grace().plus(CLOSE_ALLOWANCE);
    int code = 0;
    try {
      node.stop().toCompletionStage().toCompletableFuture().get(deadline.toMillis(), MILLISECONDS);
    } catch (TimeoutException e) {
      log.error("shutdown: not done within {}; exiting anyway", Values.formatDuration(deadline));
      code = 1;
    } catch (ExecutionException | InterruptedException | RuntimeException e) {
      log.error("shutdown: failed: {}", StartupFailure.describe(e));
      code = 1;
    }
    int requested = requestedExit.get();
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(requested >= 0 ? requested : code);
  }

  /** The host name: $HOSTNAME (set in containers), else what the JVM resolves, else "cairn". */
  static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "cairn";
    }
  }
}
