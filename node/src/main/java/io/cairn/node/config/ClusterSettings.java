package io.cairn.node.config;

import io.cairn.membership.Address;
import java.util.List;
import java.util.Objects;

/**
 * Where this node's cluster transport listens, what address it gives the others, and how it
 * finds its group.
 *
 * @param host the address the cluster transport listens on; 0.0.0.0 for every interface
 * @param port its TCP port; 0 picks a free one at start
 * @param advertise the address the other members reach this node at; null: {@code host:port}
 *     (with the port picked at start, when 0), which needs a host that is not a wildcard
 * @param seeds members to join through; empty (and no {@code dns}): this node forms a group of one
 * @param dns a name that resolves to the addresses of several members (a Kubernetes headless
 *     service), with the port to reach them at; null: none
 */
public record ClusterSettings(String host, int port, Address advertise, List<Address> seeds, Address dns) {
  public static final int DEFAULT_PORT = 7071;

  public ClusterSettings {
    Check.present(host, "cluster.host");
    Check.that(host.strip().equals(host) && !host.contains(" "), "cluster.host",
        "must be a host name or an IP address, got " + Values.quote(host));
    Check.inRange(port, 0, HttpSettings.MAX_PORT, "cluster.port");
    Check.that(advertise != null || !isWildcard(host), "cluster.advertise",
        "must be set when cluster.host is " + host + " (every interface): give the address the other members reach this node at");
    Check.that(advertise == null || advertise.port() != 0, "cluster.advertise", "needs a port other than 0, got " + advertise);
    seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
    for (Address seed : seeds) {
      Check.that(seed.port() != 0, "cluster.seeds", "needs ports other than 0, got " + seed);
    }
    Check.that(dns == null || dns.port() != 0, "cluster.dns", "needs a port other than 0, got " + dns);
  }

  public static ClusterSettings defaults() {
    return new ClusterSettings("127.0.0.1", DEFAULT_PORT, null, List.of(), null);
  }

  /** The address the others reach this node at, once its transport listens on {@code boundPort}. */
  public Address advertised(int boundPort) {
    return advertise != null ? advertise : new Address(host, boundPort);
  }

  /** True when it joins a group; false: it forms a group of one. */
  public boolean hasSeeds() {
    return !seeds.isEmpty() || dns != null;
  }

  /** How it finds its group, for logs and the readiness check: {@code seeds 10.0.0.1:7071, dns cairn:7071}. */
  public String describeSeeds() {
    if (!hasSeeds()) {
      return "no seeds";
    }
    StringBuilder b = new StringBuilder();
    if (!seeds.isEmpty()) {
      b.append("seeds ").append(String.join(", ", seeds.stream().map(Address::toString).toList()));
    }
    if (dns != null) {
      b.append(b.length() == 0 ? "" : ", ").append("dns ").append(dns);
    }
    return b.toString();
  }

  /** True for an address that means every interface: 0.0.0.0, ::. */
  public static boolean isWildcardHost(String host) {
    return isWildcard(host);
  }

  static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.equals("0:0:0:0:0:0:0:0");
  }
}
