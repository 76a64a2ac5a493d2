package io.cairn.membership.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.membership.Member;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimSettings;
import io.cairn.membership.transport.Faults;
import io.cairn.membership.transport.TransportSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Discovery through DNS: {@code cairn-peers.test} resolves, through the JDK's own resolver fed by
 * the hosts file that the build passes as {@code jdk.net.hosts.file}, to 127.0.0.1, .2 and .3,
 * as a Kubernetes headless service resolves to its pods. Three nodes listen on those addresses on
 * one port, each configured with nothing but the name, and find each other.
 */
class DnsDiscoveryIT {
  private final List<Vertx> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Vertx v : started) {
      v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void nodesConfiguredWithOneNameFindEachOther() throws Exception {
    assertThat(InetAddress.getAllByName("cairn-peers.test")).hasSize(3);
    int port = portFreeOnAllThree();
    List<MembershipShell> shells = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      shells.add(start("d" + i, "127.0.0." + i, port, "cairn-peers.test:" + port));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (MembershipShell s : shells) {
                assertThat(s.joined()).isTrue();
                assertThat(s.members())
                    .extracting(Member::status)
                    .containsExactly(MemberStatus.ALIVE, MemberStatus.ALIVE, MemberStatus.ALIVE);
              }
            });
  }

  @Test
  void aNameThatResolvesToNothingLeavesTheNodeUnjoined() throws Exception {
    MembershipShell lonely = start("d9", "127.0.0.1", 0, "no-such-name.test:7071");
    Thread.sleep(1_500); // it must stay unjoined: nothing to wait for
    assertThat(lonely.joined()).isFalse();
  }

  private MembershipShell start(String id, String host, int port, String dns) throws Exception {
    Vertx vertx = Vertx.vertx();
    started.add(vertx);
    MembershipSettings settings =
        new MembershipSettings(
            NodeId.of(id),
            "",
            "",
            Set.of(),
            "test",
            TransportSettings.defaults().withHost(host).withPort(port),
            List.of(),
            dns,
            SwimSettings.LAN,
            Faults.NONE);
    return MembershipShell.deploy(vertx, settings, new SimpleMeterRegistry())
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static int portFreeOnAllThree() throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        port = s.getLocalPort();
      }
      if (free("127.0.0.2", port) && free("127.0.0.3", port)) {
        return port;
      }
    }
    throw new IllegalStateException("no port free on 127.0.0.1-3");
  }

  private static boolean free(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
