package io.cairn.node.config;

/**
 * The HTTP API's listener.
 *
 * @param host the address to listen on: 127.0.0.1 serves this machine only, 0.0.0.0 every
 *     interface (what a container needs)
 * @param port the TCP port; 0 picks a free port at start (tests read it from the ready log line)
 * @param instances HTTP verticles, each on its own event loop, sharing the port: more use more
 *     cores for HTTP, each costs a router and its compiled checks in memory
 */
public record HttpSettings(String host, int port, int instances) {
  public static final int DEFAULT_PORT = 7070;
  public static final int MAX_PORT = 65535;
  public static final int MAX_INSTANCES = 256;

  public HttpSettings {
    Check.present(host, "http.host");
    Check.that(host.strip().equals(host) && !host.contains(" "), "http.host",
        "must be a host name or an IP address, got " + Values.quote(host));
    Check.inRange(port, 0, MAX_PORT, "http.port");
    Check.inRange(instances, 1, MAX_INSTANCES, "http.instances");
  }

  /** One instance per available processor, within the allowed range. */
  public static int defaultInstances() {
    return Math.max(1, Math.min(MAX_INSTANCES, Runtime.getRuntime().availableProcessors()));
  }
}
