package io.cairn.node.kubernetes;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/entrypoint.sh, run with {@code sh} and a fake {@code java} first on PATH (Docker cannot
 * run on the build machine, so the image itself is not built here). The fake prints its PID, its
 * arguments one a line, and CAIRN_NODE_ZONE.
 */
class EntrypointTest {
  private static final Path ROOT = Path.of(System.getProperty("cairn.root", "..")).toAbsolutePath().normalize();
  private static final Path ENTRYPOINT = ROOT.resolve("docker/entrypoint.sh");

  @TempDir Path dir;

  /** A java that reports what it got, then (with "wait") waits for SIGTERM and reports it. */
  private Path fakeJava() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, """
        #!/bin/sh
        echo "pid=$$"
        echo "zone=${CAIRN_NODE_ZONE-<unset>}"
        for a in "$@"; do echo "arg=$a"; done
        if [ "${FAKE_WAIT:-}" = yes ]; then
          trap 'echo "got TERM"; exit 143' TERM
          echo ready
          while :; do sleep 0.05; done
        fi
        """, UTF_8);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private Process start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("sh", ENTRYPOINT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_") || k.equals("JAVA_OPTS") || k.equals("ZONE_FILE"));
    pb.environment().put("PATH", fakeJava() + ":" + System.getenv("PATH"));
    pb.environment().put("ZONE_FILE", dir.resolve("no-zone").toString());
    pb.environment().putAll(env);
    return pb.start();
  }

  private static List<String> output(Process p) throws Exception {
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the entrypoint ended").isTrue();
    return new String(p.getInputStream().readAllBytes(), UTF_8).lines().toList();
  }

  @Test
  void execsJavaWithTheOptionsThenTheJarThenEveryArgumentUntouched() throws Exception {
    Process p = start(Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=75.0  -Dx=*"),
        "--http.port", "7070", "two words", "*", "$HOME", "");
    List<String> out = output(p);
    assertThat(p.exitValue()).isZero();
    // exec: java is the very process that was started, not a child of a shell that stays behind.
    assertThat(out.get(0)).isEqualTo("pid=" + p.pid());
    assertThat(out.subList(2, out.size())).containsExactly(
        "arg=-XX:MaxRAMPercentage=75.0", "arg=-Dx=*", "arg=-jar", "arg=/opt/cairn/cairn.jar",
        "arg=--http.port", "arg=7070", "arg=two words", "arg=*", "arg=$HOME", "arg=");
  }

  @Test
  void withoutJavaOptsOnlyTheJarAndTheArguments() throws Exception {
    List<String> out = output(start(Map.of(), "--help"));
    assertThat(out.subList(2, out.size())).containsExactly("arg=-jar", "arg=/opt/cairn/cairn.jar", "arg=--help");
  }

  @Test
  void sigtermReachesJava() throws Exception {
    Process p = start(Map.of("FAKE_WAIT", "yes"));
    BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
    String line;
    while ((line = lines.readLine()) != null && !line.equals("ready")) {
      // the fake java's report before it waits
    }
    assertThat(line).isEqualTo("ready");
    p.toHandle().destroy(); // SIGTERM to the started PID (java itself, thanks to exec); streams stay open
    assertThat(lines.readLine()).isEqualTo("got TERM");
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(143);
  }

  @Test
  void theZoneFileFillsCairnNodeZoneWhenItIsUnset() throws Exception {
    // As kubectl -o go-template writes it: no newline at the end.
    Path zone = Files.writeString(dir.resolve("zone"), "europe-west1-b", UTF_8);
    assertThat(output(start(Map.of("ZONE_FILE", zone.toString())))).contains("zone=europe-west1-b");
  }

  @Test
  void anExplicitZoneWinsOverTheFile() throws Exception {
    Path zone = Files.writeString(dir.resolve("zone"), "europe-west1-b\n", UTF_8);
    assertThat(output(start(Map.of("ZONE_FILE", zone.toString(), "CAIRN_NODE_ZONE", "rack-7"))))
        .contains("zone=rack-7");
  }

  @Test
  void noZoneFileLeavesTheZoneUnset() throws Exception {
    // An empty CAIRN_NODE_ZONE would be a configuration error; unset means "unknown".
    assertThat(output(start(Map.of()))).contains("zone=<unset>");
    Path empty = Files.writeString(dir.resolve("empty"), "\n", UTF_8);
    assertThat(output(start(Map.of("ZONE_FILE", empty.toString())))).contains("zone=<unset>");
  }

  @Test
  void theDockerfileBuildsTheJarAndRunsItThroughTheEntrypointAsAFixedNonRootUser() throws IOException {
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"), UTF_8);
    assertThat(dockerfile).contains("FROM eclipse-temurin:17-jdk AS build")
        .contains("./mvnw -B -q package -DskipTests")
        .contains("FROM eclipse-temurin:17-jre")
        .contains("COPY --from=build /src/node/target/cairn.jar /opt/cairn/cairn.jar") // the jar the entrypoint runs
        .contains("COPY --chmod=0755 docker/entrypoint.sh /opt/cairn/entrypoint.sh")
        .contains("ENTRYPOINT [\"/opt/cairn/entrypoint.sh\"]")
        .contains("USER 10001:10001");
    assertThat(Files.readString(ENTRYPOINT, UTF_8)).startsWith("#!/bin/sh\n").contains("exec java ${JAVA_OPTS:-} -jar /opt/cairn/cairn.jar \"$@\"");
    assertThat(Files.isExecutable(ENTRYPOINT)).isTrue();
    // Builds never send local output or data to the daemon.
    assertThat(Files.readString(ROOT.resolve(".dockerignore"), UTF_8)).contains("**/target/").contains("/data/");
  }
}
