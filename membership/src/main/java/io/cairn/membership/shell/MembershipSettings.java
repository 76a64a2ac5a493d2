package io.cairn.membership.shell;

import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimSettings;
import io.cairn.membership.transport.Faults;
import io.cairn.membership.transport.TransportSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the membership shell needs.
 *
 * @param id this node's id ({@code node.id})
 * @param apiAddress the base URL of this node's HTTP API, gossiped in its metadata
 * @param zone its failure domain ({@code node.zone})
 * @param roles its roles ({@code node.roles})
 * @param version the Cairn version it runs
 * @param transport where it listens for peers ({@code cluster.*})
 * @param seeds seed addresses, {@code host[:port]} ({@code cluster.seeds}); the port defaults to
 *     this node's cluster port
 * @param dns a name that resolves to many seed addresses, {@code name[:port]}, as a Kubernetes
 *     headless service does ({@code cluster.dns}); null for none
 * @param swim the protocol's settings ({@code membership.*})
 * @param faults injected faults: {@link Faults#NONE} except in tests and benchmarks
 */
public record MembershipSettings(
    NodeId id,
    String apiAddress,
    String zone,
    Set<String> roles,
    String version,
    TransportSettings transport,
    List<String> seeds,
    String dns,
    SwimSettings swim,
    Faults faults) {
  public MembershipSettings {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(swim, "swim");
    Objects.requireNonNull(faults, "faults");
    seeds = seeds == null ? List.of() : List.copyOf(seeds);
    roles = roles == null ? Set.of() : Set.copyOf(roles);
    dns = dns == null || dns.isBlank() ? null : dns.trim();
  }

  /** True when the node has somewhere to join; without seeds or DNS it forms a group of one. */
  public boolean seeded() {
    return !seeds.isEmpty() || dns != null;
  }

  /** How often the shell ticks the core: a quarter of the shortest protocol interval. */
  public Duration tickInterval() {
    Duration shortest =
        swim.gossipInterval().compareTo(swim.probeInterval()) < 0
            ? swim.gossipInterval()
            : swim.probeInterval();
    return Duration.ofMillis(Math.max(5, shortest.toMillis() / 4));
  }
}
