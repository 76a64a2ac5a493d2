package io.cairn.membership;

import java.util.Objects;

/**
 * Where a node's cluster transport listens: a host name or IP literal and a port. Compared by
 * value, without resolving the host.
 */
public record Address(String host, int port) {
  public Address {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("an address needs a host");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("a port is 0 to 65535, not " + port);
    }
  }

  /** Parses {@code host:port}, {@code [v6]:port}, or {@code host} with {@code defaultPort}. */
  public static Address parse(String text, int defaultPort) {
    Objects.requireNonNull(text, "text");
    String s = text.trim();
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("an IPv6 address needs a closing ']': '" + text + "'");
      }
      String host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        return new Address(host, defaultPort);
      }
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException("expected ':port' after ']': '" + text + "'");
      }
      return new Address(host, parsePort(rest.substring(1), text));
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      return new Address(s, defaultPort);
    }
    if (s.indexOf(':') != colon) {
      throw new IllegalArgumentException("write an IPv6 address as [addr]:port: '" + text + "'");
    }
    return new Address(s.substring(0, colon), parsePort(s.substring(colon + 1), text));
  }

  private static int parsePort(String port, String text) {
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port must be 0 to 65535: '" + text + "'");
    }
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
