package io.cairn.membership.shell;

import io.cairn.membership.Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves the configured seeds and the DNS name into addresses, and tells this node's own
 * address apart. Blocking (it asks the resolver): the shell runs it on a worker thread.
 */
final class SeedResolver {
  /** The resolved seeds other than this node, whether this node was among them, what failed. */
  record Resolved(List<Address> others, boolean selfIsSeed, List<String> failures) {}

  private SeedResolver() {}

  static Resolved resolve(List<String> seeds, String dns, int defaultPort, Address self, String bindHost) {
    Set<Address> found = new LinkedHashSet<>();
    List<String> failures = new ArrayList<>();
    List<String> names = new ArrayList<>(seeds);
    if (dns != null) {
      names.add(dns);
    }
    for (String name : names) {
      Address seed = Address.parse(name, defaultPort);
      try {
        for (InetAddress ip : InetAddress.getAllByName(seed.host())) {
          found.add(new Address(ip.getHostAddress(), seed.port()));
        }
      } catch (UnknownHostException e) {
        failures.add(name + ": unknown host");
      }
    }
    Set<String> selfIps = ipsOf(self.host());
    boolean wildcard = isWildcard(bindHost);
    List<Address> others = new ArrayList<>();
    boolean selfIsSeed = false;
    for (Address a : found) {
      boolean isSelf =
          a.port() == self.port()
              && (selfIps.contains(a.host()) || (wildcard && isLocalInterface(a.host())));
      if (isSelf) {
        selfIsSeed = true;
      } else {
        others.add(a);
      }
    }
    return new Resolved(List.copyOf(others), selfIsSeed, List.copyOf(failures));
  }

  private static Set<String> ipsOf(String host) {
    Set<String> ips = new LinkedHashSet<>();
    try {
      for (InetAddress ip : InetAddress.getAllByName(host)) {
        ips.add(ip.getHostAddress());
      }
    } catch (UnknownHostException e) {
      ips.add(host);
    }
    return ips;
  }

  private static boolean isWildcard(String host) {
    try {
      return InetAddress.getByName(host).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isLocalInterface(String ip) {
    try {
      InetAddress address = InetAddress.getByName(ip);
      return address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
    } catch (UnknownHostException | SocketException e) {
      return false;
    }
  }
}
