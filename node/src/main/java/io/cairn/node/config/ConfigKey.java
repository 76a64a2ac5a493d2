package io.cairn.node.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One configuration key: its name in the YAML file, its environment variable and its flag.
 *
 * @param name dotted, lower case: {@code http.port}
 * @param defaultText the default, as the documentation states it
 * @param meaning one line for {@code --help}
 */
public record ConfigKey(String name, String defaultText, String meaning) {

  /** Every key, in the order the documentation lists them. */
  public static final List<ConfigKey> ALL = List.of(
      new ConfigKey("node.id", "the host name", "this node's name in the cluster, in logs and in the node tag of every metric"),
      new ConfigKey("node.zone", "none", "the failure domain this node runs in (a zone, a rack), announced to the cluster"),
      new ConfigKey("node.roles", "none", "comma list of roles this node announces to the cluster, e.g. voter,cache"),
      new ConfigKey("http.host", "127.0.0.1", "address the HTTP API listens on; 0.0.0.0 for every interface"),
      new ConfigKey("http.port", "7070", "HTTP API port; 0 picks a free one (printed in the ready line)"),
      new ConfigKey("http.instances", "available processors", "HTTP verticles (event loops) sharing the port"),
      new ConfigKey("cluster.host", "127.0.0.1", "address the cluster transport listens on; 0.0.0.0 for every interface"),
      new ConfigKey("cluster.port", "7071", "cluster transport port; 0 picks a free one"),
      new ConfigKey("cluster.advertise", "<cluster.host>:<cluster.port>", "host:port the other members reach this node at"),
      new ConfigKey("cluster.seeds", "none: a group of one", "comma list of host[:port] of members to join through"),
      new ConfigKey("cluster.dns", "none", "a name resolving to members' addresses (a headless service), [:port]"),
      new ConfigKey("membership.probe-interval", "500ms", "how often each monitored peer is pinged; lower: faster detection, more messages"),
      new ConfigKey("membership.probe-timeout", "300ms", "wait for an indirect probe's answer; lower: faster detection, more false suspicion"),
      new ConfigKey("membership.monitored-peers", "3", "peers each node monitors; higher: more independent confirmations, more messages"),
      new ConfigKey("membership.indirect-probes", "3", "members asked to probe a peer before it is suspected; higher: fewer false suspicions"),
      new ConfigKey("membership.gossip-interval", "200ms", "how often queued gossip is sent; lower: faster spread, more messages"),
      new ConfigKey("membership.gossip-fanout", "3", "random members each gossip round goes to"),
      new ConfigKey("membership.retransmit-multiplier", "4", "each update is sent about this * log10(n+1) times; higher: surer spread, more bytes"),
      new ConfigKey("membership.suspicion-multiplier", "2", "shortest suspicion timeout = this * max(1, log10 n) * probe-interval"),
      new ConfigKey("membership.suspicion-max-multiplier", "3", "longest suspicion timeout = this * the shortest; higher: more time to refute"),
      new ConfigKey("membership.suspicion-minimum", "1s", "floor of the shortest suspicion timeout"),
      new ConfigKey("membership.awareness-max", "8", "how far a node stretches its timeouts when it notices it is slow itself"),
      new ConfigKey("membership.push-pull-interval", "10s", "how often the whole member table is exchanged with a random member"),
      new ConfigKey("membership.reconnect-interval", "5s", "how often a dead member or a seed outside the group is tried"),
      new ConfigKey("membership.dead-retention", "30m", "how long a dead or departed member stays listed"),
      new ConfigKey("membership.phi-threshold", "8", "phi above which a peer is probed indirectly; lower: faster detection, more false suspicion"),
      new ConfigKey("membership.phi-window", "100", "inter-arrival times the detector remembers; larger: steadier, slower to adapt"),
      new ConfigKey("membership.phi-min-std-dev", "100ms", "smallest standard deviation assumed; larger: tolerates more jitter, detects later"),
      new ConfigKey("membership.phi-acceptable-pause", "0s", "silence added to the mean; larger: survives GC pauses, detects later by as much"),
      new ConfigKey("cp.voters", "1", "voters of the coordination group (Raft): 1, 3 or 5; a majority must be up to write"),
      new ConfigKey("cp.initial-voters", "none: the cp.voters members with the lowest ids", "comma list of the node ids that form the group"),
      new ConfigKey("cp.bootstrap-settle", "2s", "how long membership must be stable before the voters are picked by id"),
      new ConfigKey("cp.request-timeout", "5s", "how long a coordination request waits for a leader and its commit (then 503)"),
      new ConfigKey("cp.snapshot-entries", "10000", "applied log entries kept before the state is snapshotted and the log compacted"),
      new ConfigKey("cp.replace-dead-voter-after", "10m", "how long a voter is dead before the leader replaces it with a live non-voter; 0s: never"),
      new ConfigKey("cp.max-pending-requests", "10000", "commands (and, apart, reads) that may wait at the leader; past it: 503"),
      new ConfigKey("cp.raft.election-timeout-min", "500ms", "silence after which a follower seeks election; lower: faster failover, more needless elections"),
      new ConfigKey("cp.raft.election-timeout-max", "1s", "upper end of the random election timeout; wider: fewer split votes"),
      new ConfigKey("cp.raft.heartbeat-interval", "50ms", "how often the leader heartbeats; well under election-timeout-min"),
      new ConfigKey("cp.raft.max-inflight", "64", "AppendEntries in flight to one follower; higher: more throughput, more memory"),
      new ConfigKey("cp.raft.max-entries-per-message", "256", "most log entries in one AppendEntries"),
      new ConfigKey("cp.raft.max-bytes-per-message", "1MiB", "most command bytes in one AppendEntries"),
      new ConfigKey("cache.partitions", "271", "partitions the keys are spread over (1 to 65535); fixed when the cluster forms"),
      new ConfigKey("cache.lease", "5s", "TTL of a node's ownership lease; lower: a dead owner's partitions move sooner, more keepalives"),
      new ConfigKey("cache.request-timeout", "10s", "how long a cache request waits for its partition's owner (then 503)"),
      new ConfigKey("cache.rebalance-delay", "2s", "how long the members must stay the same before partitions move to a new node"),
      new ConfigKey("cache.max-migrations", "8", "partition replicas filled at once in the whole cluster; higher: faster rebalancing, more load"),
      new ConfigKey("cache.orphan-timeout", "5m", "how long a partition whose only copy left waits for it before another member takes it over"),
      new ConfigKey("data.dir", "./data", "cache definitions and the embedded store live here"),
      new ConfigKey("store.url", "none: embedded SQLite <data.dir>/store.db", "jdbc:sqlite:... or jdbc:postgresql:... URL of the backing store"),
      new ConfigKey("store.user", "none", "database user"),
      new ConfigKey("store.password", "none", "database password (never logged)"),
      new ConfigKey("store.pool-size", "4", "database connections and store worker threads"),
      new ConfigKey("store.timeout", "2s", "limit of one store call; past it the request gets 503"),
      new ConfigKey("store.breaker-failures", "5", "consecutive store failures that open the circuit breaker"),
      new ConfigKey("store.breaker-reset", "5s", "how long an open breaker refuses store calls"),
      new ConfigKey("store.sweep-interval", "1m", "how often expired rows are deleted from the store"),
      new ConfigKey("limits.max-key-bytes", "1024", "longest entry key in UTF-8 bytes (at most 1024)"),
      new ConfigKey("limits.max-value-bytes", "1MiB", "largest entry value"),
      new ConfigKey("limits.max-json-body-bytes", "4MiB", "largest JSON request body"),
      new ConfigKey("shutdown.grace", "10s", "time in-flight requests get to finish on SIGTERM"),
      new ConfigKey("log.level", "INFO", "TRACE, DEBUG, INFO, WARN, ERROR or OFF"),
      new ConfigKey("caches", "[]", "caches created at start when absent, as YAML: [{name: users, maxEntries: 1000, backups: 1}]"));

  /** The sections of the YAML file: the part of a key before its first dot. */
  public static final List<String> SECTIONS =
      List.of("node", "http", "cluster", "membership", "cp", "cp.raft", "cache", "data", "store", "limits", "shutdown",
          "log");

  static final Map<String, ConfigKey> BY_NAME =
      ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));
  static final Map<String, ConfigKey> BY_ENV =
      ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::env, Function.identity()));

  /** The environment variable that names the YAML file. */
  public static final String CONFIG_ENV = "CAIRN_CONFIG";

  /** {@code CAIRN_} and the name upper-cased, '.' and '-' as '_': {@code CAIRN_STORE_POOL_SIZE}. */
  public String env() {
    return "CAIRN_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** {@code --http.port}. */
  public String flag() {
    return "--" + name;
  }

  public static Optional<ConfigKey> named(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  /** The keys of one section, for error messages: {@code http.host, http.port, http.instances}. */
  static String keysOf(String section) {
    return ALL.stream().map(ConfigKey::name).filter(n -> n.startsWith(section + "."))
        .collect(Collectors.joining(", "));
  }
}
