package io.cairn.node.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cairn.coordination.CoordinationSettings;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.cairn.membership.phi.PhiSettings;
import io.cairn.membership.swim.SwimSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Builds a {@link CairnConfig} from its sources, lowest precedence first: defaults, a YAML file
 * ({@code --config FILE}, else {@code CAIRN_CONFIG}), environment variables {@code CAIRN_<KEY>},
 * command-line flags {@code --key value} or {@code --key=value}.
 *
 * <p>Every mistake is an error, also a typo: a key the file does not know, a {@code CAIRN_}
 * variable that names no key, an unknown flag. The first mistake found is thrown as one
 * {@link ConfigException} naming the key and where the value came from.
 *
 * <p>An empty value ({@code key:}, {@code key: ~}, {@code key: ''}) in the file means the default. An empty
 * environment variable or flag value is a value: it clears {@code store.url}, {@code store.user},
 * {@code store.password}, {@code node.zone}, {@code node.roles}, {@code cluster.advertise},
 * {@code cluster.seeds} and {@code cluster.dns}, and is an error for every other key.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** What the command line asked for: a configuration, or the help text. */
  public record Loaded(CairnConfig config, boolean help) {}

  /** One value and where it came from; {@code node} holds the YAML of {@code caches} from the file. */
  private record Raw(String text, JsonNode node, String source) {}

  private static final ObjectMapper YAML = new ObjectMapper(
      YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  /**
   * Reads the configuration.
   *
   * @param args the command line
   * @param env the environment (tests pass a map, never the real environment)
   * @param hostName the host name, asked for only when {@code node.id} is not configured
   * @throws ConfigException for the first mistake found
   */
  public static Loaded load(List<String> args, Map<String, String> env, Supplier<String> hostName) {
    if (args.contains("--help") || args.contains("-h")) {
      return new Loaded(null, true);
    }
    Map<String, Raw> flags = new LinkedHashMap<>();
    String configFlag = parseFlags(args, flags);
    Map<String, Raw> fromEnv = new LinkedHashMap<>();
    String configEnv = readEnv(env, fromEnv);

    Map<String, Raw> merged = new LinkedHashMap<>();
    String file = configFlag != null ? configFlag : configEnv;
    if (file != null) {
      readFile(file, configFlag != null ? "--config" : ConfigKey.CONFIG_ENV, merged);
    }
    merged.putAll(fromEnv);
    merged.putAll(flags);
    return new Loaded(build(merged, hostName), false);
  }

  /** The configuration with every key at its default. */
  public static CairnConfig defaults(Supplier<String> hostName) {
    return build(Map.of(), hostName);
  }

  /** The text {@code --help} prints. */
  public static String help() {
    StringBuilder b = new StringBuilder()
        .append("Usage: java -jar cairn.jar [--config FILE] [--KEY VALUE | --KEY=VALUE ...] [--help]\n\n")
        .append("Runs one Cairn node. Configuration comes from, lowest precedence first: defaults, a YAML\n")
        .append("file (--config FILE or CAIRN_CONFIG), environment variables CAIRN_<KEY>, flags --KEY.\n")
        .append("A bad or unknown key stops the node with exit code 2. cairn.yaml lists every key.\n\nKeys:\n");
    int width = ConfigKey.ALL.stream().mapToInt(k -> k.flag().length()).max().orElse(0);
    for (ConfigKey k : ConfigKey.ALL) {
      b.append(String.format("  %-" + width + "s  %s%n  %-" + width + "s  default: %s; env: %s%n",
          k.flag(), k.meaning(), "", k.defaultText(), k.env()));
    }
    return b.append("\nDurations: 500ms, 2s, 5m, 1h, 1d or ISO-8601 (PT2S). Sizes: 1048576, 512KiB, 1MiB, 1GiB.\n")
        .toString();
  }

  // ---- sources

  /** Reads flags into {@code out}; returns the value of {@code --config}, or null. */
  private static String parseFlags(List<String> args, Map<String, Raw> out) {
    String config = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException(Values.quote(arg), "unexpected argument; flags look like --http.port 8080 or --http.port=8080");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String flag = "--" + name;
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new ConfigException(flag, "has no value; give one as " + flag + " VALUE or " + flag + "=VALUE");
      }
      if (name.equals("config")) {
        config = value;
        continue;
      }
      if (!ConfigKey.BY_NAME.containsKey(name)) {
        List<String> flagNames = ConfigKey.ALL.stream().map(ConfigKey::flag).collect(Collectors.toList());
        flagNames.add("--config");
        throw new ConfigException(flag, "unknown flag" + Suggest.didYouMean(flag, flagNames) + " (--help lists them)");
      }
      if (out.put(name, new Raw(value, null, flag)) != null) {
        throw new ConfigException(flag, "is given twice");
      }
    }
    return config;
  }

  /** Reads {@code CAIRN_*} variables into {@code out}; returns {@code CAIRN_CONFIG}, or null. */
  private static String readEnv(Map<String, String> env, Map<String, Raw> out) {
    String config = null;
    // Sorted, so that with several mistakes the same one is reported every time.
    for (String var : env.keySet().stream().sorted().collect(Collectors.toList())) {
      if (!var.startsWith("CAIRN_")) {
        continue;
      }
      String value = env.get(var);
      if (var.equals(ConfigKey.CONFIG_ENV)) {
        config = value;
        continue;
      }
      ConfigKey key = ConfigKey.BY_ENV.get(var);
      if (key == null) {
        List<String> names = new ArrayList<>(ConfigKey.BY_ENV.keySet());
        names.add(ConfigKey.CONFIG_ENV);
        throw new ConfigException(var, "names no configuration key" + Suggest.didYouMean(var, names)
            + " (every CAIRN_ variable must name one; --help lists them)");
      }
      out.put(key.name(), new Raw(value, null, var));
    }
    return config;
  }

  private static void readFile(String file, String namedBy, Map<String, Raw> out) {
    if (file.isBlank()) {
      throw new ConfigException("config", "the file name is empty", namedBy);
    }
    String text;
    try {
      text = Files.readString(Path.of(file));
    } catch (InvalidPathException | NoSuchFileException e) {
      throw new ConfigException("config", "cannot read " + file + ": no such file", namedBy);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("config", "cannot read " + file + ": " + e, namedBy);
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config", yamlProblem(e), file);
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return;
    }
    if (!root.isObject()) {
      throw new ConfigException("config", "must be a YAML mapping of keys such as http: {port: 7070}", file);
    }
    flatten(root, "", file, out);
  }

  private static void flatten(JsonNode mapping, String prefix, String file, Map<String, Raw> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (ConfigKey.BY_NAME.containsKey(key)) {
        if (out.containsKey(key)) {
          throw new ConfigException(key, "is set twice", file);
        }
        if (value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
          continue; // empty ("key:", "key: ~", "key: ''"): the default
        }
        if (key.equals("caches")) {
          out.put(key, new Raw(null, value, file));
        } else if (value.isContainerNode()) {
          throw new ConfigException(key, "must be a single value, not a " + (value.isArray() ? "list" : "mapping"), file);
        } else {
          out.put(key, new Raw(value.asText(), null, file));
        }
      } else if (ConfigKey.SECTIONS.contains(key)) {
        if (value.isObject()) {
          flatten(value, key, file, out);
        } else if (!value.isNull()) {
          throw new ConfigException(key, "must be a mapping of " + ConfigKey.keysOf(key), file);
        }
      } else {
        List<String> known = new ArrayList<>(ConfigKey.BY_NAME.keySet());
        String hint = Suggest.didYouMean(key, known);
        if (hint.isEmpty()) {
          hint = prefix.isEmpty()
              ? "; the file takes " + String.join(", ", ConfigKey.SECTIONS.stream().filter(x -> !x.contains(".")).toList())
                  + " and caches"
              : "; " + prefix + " takes " + ConfigKey.keysOf(prefix);
        }
        throw new ConfigException(key, "unknown key" + hint, file);
      }
    }
  }

  // ---- building the records

  private static CairnConfig build(Map<String, Raw> raw, Supplier<String> hostName) {
    Reader r = new Reader(raw);
    StoreSettings storeDefaults = StoreSettings.defaults();
    LimitsSettings limitDefaults = LimitsSettings.defaults();
    NodeSettings node = r.section(() -> new NodeSettings(
        r.text("node.id", null) != null ? r.text("node.id", null) : NodeSettings.idFromHostName(hostName.get()),
        r.optional("node.zone"),
        new java.util.LinkedHashSet<>(list(r.optional("node.roles")))));
    HttpSettings http = r.section(() -> new HttpSettings(
        r.text("http.host", "127.0.0.1"),
        r.integer("http.port", HttpSettings.DEFAULT_PORT, 0, HttpSettings.MAX_PORT),
        r.integer("http.instances", HttpSettings.defaultInstances(), 1, HttpSettings.MAX_INSTANCES)));
    ClusterSettings cluster = r.section(() -> {
      int port = r.integer("cluster.port", ClusterSettings.DEFAULT_PORT, 0, HttpSettings.MAX_PORT);
      String advertise = r.optional("cluster.advertise");
      String dns = r.optional("cluster.dns");
      List<Address> seeds = new ArrayList<>();
      for (String seed : list(r.optional("cluster.seeds"))) {
        seeds.add(address("cluster.seeds", seed, ClusterSettings.DEFAULT_PORT));
      }
      return new ClusterSettings(
          r.text("cluster.host", "127.0.0.1"),
          port,
          advertise == null ? null : address("cluster.advertise", advertise, port == 0 ? ClusterSettings.DEFAULT_PORT : port),
          seeds,
          dns == null ? null : address("cluster.dns", dns, ClusterSettings.DEFAULT_PORT));
    });
    SwimSettings membership = r.section(() -> swim(r));
    DataSettings data = r.section(() -> new DataSettings(r.value("data.dir", Path.of("data"), ConfigLoader::path)));
    StoreSettings store = r.section(() -> new StoreSettings(
        r.optional("store.url"),
        r.optional("store.user"),
        r.optional("store.password"),
        r.integer("store.pool-size", storeDefaults.poolSize(), 1, StoreSettings.MAX_POOL_SIZE),
        r.value("store.timeout", storeDefaults.timeout(), Values::duration),
        r.integer("store.breaker-failures", storeDefaults.breakerFailures(), 1, StoreSettings.MAX_BREAKER_FAILURES),
        r.value("store.breaker-reset", storeDefaults.breakerReset(), Values::duration),
        r.value("store.sweep-interval", storeDefaults.sweepInterval(), Values::duration)));
    LimitsSettings limits = r.section(() -> new LimitsSettings(
        r.integer("limits.max-key-bytes", limitDefaults.maxKeyBytes(), 1, LimitsSettings.MAX_KEY_BYTES),
        r.value("limits.max-value-bytes", limitDefaults.maxValueBytes(), Values::size),
        r.value("limits.max-json-body-bytes", limitDefaults.maxJsonBodyBytes(), Values::size)));
    ShutdownSettings shutdown = r.section(() -> new ShutdownSettings(
        r.value("shutdown.grace", ShutdownSettings.DEFAULT_GRACE, Values::duration)));
    LogSettings log = r.section(() -> new LogSettings(r.text("log.level", "INFO")));
    List<CacheDefinition> caches = r.section(() -> caches(raw.get("caches")));
    CoordinationSettings coordination = r.section(() -> coordination(r, data.dir()));
    io.cairn.cache.ClusterSettings cacheDefaults = io.cairn.cache.ClusterSettings.defaults();
    CachePartitioning cache = r.section(() -> new CachePartitioning(
        r.integer("cache.partitions", io.cairn.cache.partition.Partitioner.DEFAULT_PARTITION_COUNT,
            io.cairn.cache.partition.Partitioner.MIN_PARTITION_COUNT, io.cairn.cache.partition.Partitioner.MAX_PARTITION_COUNT),
        r.duration("cache.lease", cacheDefaults.lease()),
        r.duration("cache.request-timeout", cacheDefaults.requestTimeout()),
        r.value("cache.rebalance-delay", cacheDefaults.rebalanceDelay(), Values::duration),
        r.integer("cache.max-migrations", cacheDefaults.maxMigrations(), 1, 1_000),
        r.duration("cache.orphan-timeout", cacheDefaults.orphanTimeout())));
    return r.section(() -> new CairnConfig(node, http, cluster, membership, coordination, cache, data, store, limits,
        shutdown, log, caches));
  }

  /**
   * The membership protocol's settings. Every key is checked here, so that a mistake names its
   * key; the phi detector assumes the probe interval before it has seen two acks.
   */
  private static SwimSettings swim(Reader r) {
    SwimSettings d = SwimSettings.LAN;
    PhiSettings phi = d.phi();
    Duration probeInterval = r.duration("membership.probe-interval", d.probeInterval());
    Duration probeTimeout = r.duration("membership.probe-timeout", d.probeTimeout());
    Check.that(probeTimeout.compareTo(probeInterval) < 0, "membership.probe-timeout",
        "must be shorter than membership.probe-interval (" + Values.formatDuration(probeInterval) + "), got "
            + Values.formatDuration(probeTimeout));
    int monitoredPeers = r.integer("membership.monitored-peers", d.monitoredPeers(), 1, 64);
    int indirectProbes = r.integer("membership.indirect-probes", d.indirectProbes(), 0, 64);
    Duration gossipInterval = r.duration("membership.gossip-interval", d.gossipInterval());
    int gossipFanout = r.integer("membership.gossip-fanout", d.gossipFanout(), 1, 64);
    int retransmit = r.integer("membership.retransmit-multiplier", d.retransmitMultiplier(), 1, 100);
    double suspicion = r.decimal("membership.suspicion-multiplier", d.suspicionMultiplier(), 0.001, 1000);
    double suspicionMax = r.decimal("membership.suspicion-max-multiplier", d.suspicionMaxMultiplier(), 1, 1000);
    Duration suspicionMinimum = r.duration("membership.suspicion-minimum", d.suspicionMinimum());
    int awarenessMax = r.integer("membership.awareness-max", d.awarenessMax(), 0, 64);
    Duration pushPull = r.duration("membership.push-pull-interval", d.pushPullInterval());
    Duration reconnect = r.duration("membership.reconnect-interval", d.reconnectInterval());
    Duration deadRetention = r.duration("membership.dead-retention", d.deadRetention());
    double threshold = r.decimal("membership.phi-threshold", phi.threshold(), 0.001, 1000);
    int window = r.integer("membership.phi-window", phi.windowSize(), 2, 100_000);
    Duration minStdDev = r.duration("membership.phi-min-std-dev", phi.minStdDev());
    Duration pause = r.value("membership.phi-acceptable-pause", phi.acceptablePause(), Values::duration);
    Check.that(!pause.isNegative(), "membership.phi-acceptable-pause",
        "must not be negative, got " + Values.formatDuration(pause));
    try {
      return new SwimSettings(probeInterval, probeTimeout, monitoredPeers, indirectProbes, gossipInterval,
          gossipFanout, retransmit, d.maxUpdatesPerMessage(), suspicion, suspicionMax, suspicionMinimum, awarenessMax,
          pushPull, reconnect, deadRetention, d.joinBackoffMin(), d.joinBackoffMax(),
          new PhiSettings(threshold, window, minStdDev, pause, probeInterval));
    } catch (IllegalArgumentException e) {
      // A rule of the records that the checks above do not state: blame the key the message names.
      String message = e.getMessage() == null ? "invalid" : e.getMessage();
      int space = message.indexOf(' ');
      String key = space > 0 && ConfigKey.BY_NAME.containsKey("membership." + message.substring(0, space))
          ? "membership." + message.substring(0, space) : "membership";
      throw new ConfigException(key, key.equals("membership") ? message : message.substring(space + 1));
    }
  }

  /**
   * The coordination group's settings; its log lives in {@code <data.dir>/raft}. Every key is
   * checked here, so that a mistake names its key.
   */
  private static CoordinationSettings coordination(Reader r, Path dataDir) {
    int voters = r.integer("cp.voters", CoordinationSettings.DEFAULT_VOTERS, 1, 5);
    Check.that(voters == 1 || voters == 3 || voters == 5, "cp.voters",
        "must be 1, 3 or 5 (a group of 2 or 4 survives no more failures than one of 1 or 3), got " + voters);
    List<NodeId> initial = new ArrayList<>();
    for (String id : list(r.optional("cp.initial-voters"))) {
      Check.that(NodeId.isValid(id), "cp.initial-voters",
          "'" + id + "' is not a node id (1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit)");
      Check.that(!initial.contains(NodeId.of(id)), "cp.initial-voters", "names " + id + " twice");
      initial.add(NodeId.of(id));
    }
    Check.that(initial.isEmpty() || initial.size() == voters, "cp.initial-voters",
        "must name cp.voters (" + voters + ") node ids, not " + initial.size());
    Duration settle = r.value("cp.bootstrap-settle", CoordinationSettings.DEFAULT_BOOTSTRAP_SETTLE, Values::duration);
    Check.that(!settle.isNegative(), "cp.bootstrap-settle", "must not be negative");
    Duration requestTimeout = r.duration("cp.request-timeout", CoordinationSettings.DEFAULT_REQUEST_TIMEOUT);
    long snapshotEntries = r.integer("cp.snapshot-entries", (int) CoordinationSettings.DEFAULT_SNAPSHOT_ENTRIES, 1,
        Integer.MAX_VALUE);
    Duration replaceAfter = r.value("cp.replace-dead-voter-after",
        CoordinationSettings.DEFAULT_REPLACE_DEAD_VOTER_AFTER, Values::duration);
    Check.that(!replaceAfter.isNegative(), "cp.replace-dead-voter-after", "must not be negative (0s: never)");
    int maxPending = r.integer("cp.max-pending-requests", CoordinationSettings.DEFAULT_MAX_PENDING_REQUESTS, 1,
        1_000_000);
    RaftSettings d = RaftSettings.LAN;
    Duration min = r.duration("cp.raft.election-timeout-min", d.electionTimeoutMin());
    Duration max = r.duration("cp.raft.election-timeout-max", d.electionTimeoutMax());
    Duration heartbeat = r.duration("cp.raft.heartbeat-interval", d.heartbeatInterval());
    Check.that(max.compareTo(min) > 0, "cp.raft.election-timeout-max", "must be longer than cp.raft.election-timeout-min ("
        + Values.formatDuration(min) + "), got " + Values.formatDuration(max));
    Check.that(heartbeat.compareTo(min) < 0, "cp.raft.heartbeat-interval", "must be shorter than "
        + "cp.raft.election-timeout-min (" + Values.formatDuration(min) + "), got " + Values.formatDuration(heartbeat));
    int inflight = r.integer("cp.raft.max-inflight", d.maxInflight(), 1, 10_000);
    int entries = r.integer("cp.raft.max-entries-per-message", d.maxEntriesPerMessage(), 1, 100_000);
    long bytes = r.value("cp.raft.max-bytes-per-message", (long) d.maxBytesPerMessage(), Values::size);
    Check.that(bytes >= 1 && bytes <= 64L << 20, "cp.raft.max-bytes-per-message", "must be between 1 and 64MiB");
    RaftSettings raft;
    try {
      raft = new RaftSettings(min, max, heartbeat, inflight, entries, (int) bytes);
    } catch (IllegalArgumentException e) {
      // RaftSettings names the key first: "cp.raft.heartbeat-interval: must be shorter ..."
      String message = e.getMessage() == null ? "cp.raft: invalid" : e.getMessage();
      int colon = message.indexOf(": ");
      throw colon > 0 ? new ConfigException(message.substring(0, colon), message.substring(colon + 2))
          : new ConfigException("cp.raft", message);
    }
    return new CoordinationSettings(dataDir.resolve("raft"), voters, initial, settle, requestTimeout, snapshotEntries,
        replaceAfter, maxPending, raft);
  }

  /** A comma-separated list, blanks dropped: {@code "a, b,,c"} is [a, b, c]; null is empty. */
  static List<String> list(String text) {
    List<String> out = new ArrayList<>();
    if (text != null) {
      for (String part : text.split(",")) {
        if (!part.isBlank()) {
          out.add(part.strip());
        }
      }
    }
    return out;
  }

  private static Address address(String key, String text, int defaultPort) {
    try {
      return Address.parse(text, defaultPort);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "must be host[:port], got " + Values.quote(text) + ": " + e.getMessage());
    }
  }

  private static Path path(String key, String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new ConfigException(key, "must be a path, got " + Values.quote(text));
    }
  }

  private static List<CacheDefinition> caches(Raw raw) {
    if (raw == null) {
      return List.of();
    }
    JsonNode list = raw.node();
    if (list == null) {
      if (raw.text().isBlank()) {
        throw new ConfigException("caches", "must not be empty; give [] for no caches");
      }
      try {
        list = YAML.readTree(raw.text());
      } catch (JsonProcessingException e) {
        throw new ConfigException("caches", yamlProblem(e));
      }
    }
    if (list == null || !list.isArray()) {
      throw new ConfigException("caches", "must be a YAML list such as [{name: users, maxEntries: 1000}]");
    }
    List<CacheDefinition> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(CacheDefinition.fromYaml(list.get(i), "caches[" + i + "]"));
    }
    return out;
  }

  private static String yamlProblem(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return "not valid YAML" + where + ": " + ConfigException.oneLine(e.getOriginalMessage());
  }

  /** Typed reads of the merged values; errors are attributed to the source of their key. */
  private static final class Reader {
    private final Map<String, Raw> raw;

    Reader(Map<String, Raw> raw) {
      this.raw = raw;
    }

    /** Runs a record's constructor, attributing its check failures to where the key came from. */
    <T> T section(Supplier<T> build) {
      try {
        return build.get();
      } catch (ConfigException e) {
        throw e.from(sourceOf(e.key()));
      }
    }

    private String sourceOf(String key) {
      Raw r = raw.get(key);
      if (r == null && key.startsWith("caches")) {
        r = raw.get("caches");
      }
      return r == null ? null : r.source();
    }

    String text(String key, String fallback) {
      Raw r = raw.get(key);
      return r == null ? fallback : r.text();
    }

    /** A string that may be absent: an empty value means none. */
    String optional(String key) {
      String t = text(key, null);
      return t == null || t.isEmpty() ? null : t;
    }

    double decimal(String key, double fallback, double min, double max) {
      String t = text(key, null);
      return t == null ? fallback : Values.decimal(key, t, min, max);
    }

    /** A duration longer than zero. */
    Duration duration(String key, Duration fallback) {
      Duration d = value(key, fallback, Values::duration);
      Check.positive(d, key);
      return d;
    }

    int integer(String key, int fallback, int min, int max) {
      String t = text(key, null);
      return t == null ? fallback : (int) Values.integer(key, t, min, max);
    }

    <T> T value(String key, T fallback, BiFunction<String, String, T> parse) {
      String t = text(key, null);
      if (t == null) {
        return fallback;
      }
      if (t.isBlank()) {
        throw new ConfigException(key, "must not be empty");
      }
      return parse.apply(key, t);
    }
  }

}
