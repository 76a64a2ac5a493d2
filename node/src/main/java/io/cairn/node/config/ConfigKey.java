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
      new ConfigKey("node.id", "the host name", "this node's name in logs and in the node tag of every metric"),
      new ConfigKey("http.host", "127.0.0.1", "address the HTTP API listens on; 0.0.0.0 for every interface"),
      new ConfigKey("http.port", "7070", "HTTP API port; 0 picks a free one (printed in the ready line)"),
      new ConfigKey("http.instances", "available processors", "HTTP verticles (event loops) sharing the port"),
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
      new ConfigKey("caches", "[]", "caches created at start when absent, as YAML: [{name: users, maxEntries: 1000}]"));

  /** The sections of the YAML file: the part of a key before its first dot. */
  public static final List<String> SECTIONS =
      List.of("node", "http", "data", "store", "limits", "shutdown", "log");

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
