package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The real jar, run as a child process: {@code java -jar node/target/cairn.jar ...} (or a main
 * class of the tests, {@link #startMain}). Its stdout and stderr are collected line by line.
 * {@link #close()} kills it if it still runs.
 */
final class CairnProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("cairn.jar", "target/cairn.jar")).toAbsolutePath();
  /** Generous: the machine is small and shared. */
  static final Duration START_DEADLINE = Duration.ofSeconds(90);
  private static final Pattern READY = Pattern.compile("ready on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final List<String> out = new CopyOnWriteArrayList<>();
  private final List<String> err = new CopyOnWriteArrayList<>();
  private final List<Thread> readers = new ArrayList<>();

  private CairnProcess(Process process) {
    this.process = process;
    readers.add(pump(process.getInputStream(), out, "stdout"));
    readers.add(pump(process.getErrorStream(), err, "stderr"));
  }

  /** Starts the jar in {@code workDir} with {@code args}, no CAIRN_* variable but {@code env}. */
  static CairnProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    return start(workDir, env, List.of(), args);
  }

  /** As {@link #start(Path, Map, String...)}, with extra JVM options before {@code -jar}. */
  static CairnProcess start(Path workDir, Map<String, String> env, List<String> jvmOptions, String... args)
      throws IOException {
    assertThat(JAR).as("the jar is built by 'package' before failsafe runs").exists();
    List<String> command = java("-Xmx192m");
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().putAll(env);
    return new CairnProcess(pb.start());
  }

  /**
   * Starts {@code mainClass} of the test classpath (a client of the nodes, say) as a process of
   * its own, with a small heap, in {@code workDir}.
   */
  static CairnProcess startMain(Path workDir, Class<?> mainClass, String... args) throws IOException {
    // Failsafe's own classpath property: java.class.path may be a manifest-only booter jar.
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = java("-Xmx64m");
    command.addAll(List.of("-cp", classpath, mainClass.getName()));
    command.addAll(List.of(args));
    return new CairnProcess(new ProcessBuilder(command).directory(workDir.toFile()).start());
  }

  /** The java command with the options of a small, quick JVM: the suite runs on two shared cores. */
  private static List<String> java(String maxHeap) {
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        maxHeap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
  }

  /** Starts a node on a free port with its data in {@code dataDir}, and waits until it is ready. */
  static CairnProcess startNode(Path dataDir, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--http.port", "0", "--cluster.port", "0",
        "--data.dir", dataDir.toString(), "--node.id", "system-it", "--http.instances", "2"));
    all.addAll(List.of(args));
    CairnProcess p = start(dataDir.getParent(), Map.of(), all.toArray(String[]::new));
    p.port(); // waits for the ready line
    return p;
  }

  private static Thread pump(InputStream in, List<String> lines, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException closed) {
        // the process is gone
      }
    }, "cairn-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The port from the ready line, waiting for it. */
  int port() {
    String line = awaitOut(l -> READY.matcher(l).find(), START_DEADLINE);
    Matcher m = READY.matcher(line);
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The first stdout line that matches, waiting for it up to {@code deadline}. */
  String awaitOut(Predicate<String> matches, Duration deadline) {
    try {
      Awaitility.await().atMost(deadline).pollInterval(Duration.ofMillis(50))
          .until(() -> out.stream().anyMatch(matches) || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no such line within " + deadline + "\n" + output(), e);
    }
    if (!process.isAlive()) {
      joinReaders(); // what it printed last may still be in the pipe
    }
    return out.stream().filter(matches).findFirst()
        .orElseThrow(() -> new AssertionError("the process ended (" + exitValue() + ") first\n" + output()));
  }

  /** Waits for the process to end and for its output to be read; returns its exit code. */
  int awaitExit(Duration deadline) throws InterruptedException {
    if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + deadline + "\n" + output());
    }
    joinReaders();
    return process.exitValue();
  }

  private void joinReaders() {
    try {
      for (Thread t : readers) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * SIGTERM. Through the ProcessHandle: {@code Process.destroy()} also closes our ends of the
   * child's stdout and stderr, and the shutdown's log lines would be lost.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL, and waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes, as in a long stop-the-world pause, until {@link #resume()}. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    if (exit != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The operating system's id of the process. */
  long pid() {
    return process.pid();
  }

  List<String> stdout() {
    return List.copyOf(out);
  }

  List<String> stderr() {
    return List.copyOf(err);
  }

  private String exitValue() {
    return process.isAlive() ? "alive" : "exit " + process.exitValue();
  }

  /** Everything the process printed, for failure messages. */
  String output() {
    return "--- stdout\n" + String.join("\n", out) + "\n--- stderr\n" + String.join("\n", err) + "\n---";
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  static Path newDir(Path parent, String name) throws IOException {
    return Files.createDirectories(parent.resolve(name));
  }
}
