package io.cairn.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.config.CairnConfig;
import io.cairn.node.config.ConfigLoader;
import io.cairn.node.health.Health;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeTest {
  @TempDir Path dir;

  private static CairnConfig config(String... args) {
    return ConfigLoader.load(List.of(args), Map.of(), () -> "n").config();
  }

  @Test
  void aDataDirThatCannotBeCreatedFailsTheStartWithOneLine() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    Node node = new Node(config("--data.dir", file.resolve("data").toString(), "--http.port", "0"));
    assertThatThrownBy(() -> node.start().toCompletionStage().toCompletableFuture().get(30, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(StartupFailure.class)
        .hasMessageStartingWith("data dir " + file.resolve("data") + " cannot be created: ")
        .hasMessageNotContaining("\n");
    node.stop().toCompletionStage().toCompletableFuture().get(30, SECONDS);
    assertThat(node.health().phase()).isEqualTo(Health.Phase.STOPPING);
    assertThat(node.health().readiness().up()).isFalse();
  }

  @Test
  void stopIsIdempotent() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    Node node = new Node(config("--data.dir", file.toString()));
    node.start();
    assertThat(node.stop()).isSameAs(node.stop());
  }

  @Test
  void describesACauseChainOnOneLine() {
    Exception e = new RuntimeException("outer: inner", new IllegalStateException("inner\nsecond line"));
    assertThat(StartupFailure.describe(e)).isEqualTo("outer: inner: inner second line");
    assertThat(StartupFailure.describe(new java.net.BindException("Address already in use")))
        .isEqualTo("Address already in use");
    assertThat(StartupFailure.describe(new NoClassDefFoundError("a/B"))).isEqualTo("NoClassDefFoundError: a/B");
    assertThat(StartupFailure.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    assertThat(new StartupFailure("cannot listen on h:1", new java.net.BindException("Address already in use")).getMessage())
        .isEqualTo("cannot listen on h:1: Address already in use");
  }
}
