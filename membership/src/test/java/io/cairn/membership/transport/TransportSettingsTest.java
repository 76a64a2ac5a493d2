package io.cairn.membership.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.Address;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {
  private final TransportSettings d = TransportSettings.defaults();

  @Test
  void defaultsAreTheDocumentedOnes() {
    assertThat(d.port()).isEqualTo(7071);
    assertThat(d.maxFrameBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(d.sendQueueBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(d.reconnectBackoffMin()).isEqualTo(Duration.ofMillis(50));
    assertThat(d.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void badValuesNameTheirKey() {
    expect(() -> d.withHost(" "), "cluster.host");
    expect(() -> d.withPort(70000), "cluster.port");
    expect(() -> d.withAdvertise(new Address("0.0.0.0", 7071)), "cluster.advertise");
    expect(() -> d.withConnectTimeout(Duration.ZERO), "cluster.connect-timeout");
    expect(() -> d.withMaxFrameBytes(10), "cluster.max-frame-bytes");
    expect(() -> d.withSendQueueBytes(0), "cluster.send-queue-bytes");
    expect(() -> d.withReconnectBackoff(Duration.ofMillis(-1), Duration.ofSeconds(1)),
        "cluster.reconnect-backoff-min");
    expect(() -> d.withReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        "cluster.reconnect-backoff-max");
    expect(() -> d.withIdleTimeout(Duration.ofSeconds(-1)), "cluster.idle-timeout");
  }

  private static void expect(Runnable r, String key) {
    assertThatThrownBy(r::run).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key);
  }
}
