package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cache.CacheSpec;
import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  @TempDir Path dir;

  private static CairnConfig load(Map<String, String> env, String... args) {
    ConfigLoader.Loaded loaded = ConfigLoader.load(List.of(args), env, () -> "host-1");
    assertThat(loaded.help()).isFalse();
    return loaded.config();
  }

  private static CairnConfig load(String... args) {
    return load(Map.of(), args);
  }

  /** The one line Main prints after "cairn: configuration error: ". */
  private static String error(Map<String, String> env, String... args) {
    try {
      ConfigLoader.load(List.of(args), env, () -> "host-1");
    } catch (ConfigException e) {
      assertThat(e.getMessage()).doesNotContain("\n", "\r");
      return e.getMessage();
    }
    throw new AssertionError("no configuration error for env " + env + " and args " + List.of(args));
  }

  private static String error(String... args) {
    return error(Map.of(), args);
  }

  private Path file(String yaml) throws IOException {
    Path f = Files.createTempFile(dir, "cairn", ".yaml");
    Files.writeString(f, yaml);
    return f;
  }

  // ---- defaults

  @Test
  void withNothingConfiguredTheDefaultsRunALocalNode() {
    CairnConfig c = load();
    assertThat(c.node().id()).isEqualTo("host-1");
    assertThat(c.http()).isEqualTo(new HttpSettings("127.0.0.1", 7070, HttpSettings.defaultInstances()));
    assertThat(c.data().dir()).isEqualTo(Path.of("data"));
    assertThat(c.store().url()).isNull();
    assertThat(c.store().user()).isNull();
    assertThat(c.store().password()).isNull();
    assertThat(c.store()).isEqualTo(StoreSettings.defaults());
    assertThat(c.store().poolSize()).isEqualTo(4);
    assertThat(c.store().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.limits()).isEqualTo(new LimitsSettings(1024, 1024 * 1024, 4 * 1024 * 1024));
    assertThat(c.shutdown().grace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.log().level()).isEqualTo("INFO");
    assertThat(c.caches()).isEmpty();
    assertThat(c.cacheSettings().store().url()).isNull();
    assertThat(c.cacheSettings().dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.apiSettings().maxJsonBodyBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(c.node()).isEqualTo(new NodeSettings("host-1", "", Set.of()));
    assertThat(c.cluster()).isEqualTo(ClusterSettings.defaults());
    assertThat(c.cluster().advertised(7071)).isEqualTo(new Address("127.0.0.1", 7071));
    assertThat(c.cluster().hasSeeds()).isFalse();
    assertThat(c.membership()).isEqualTo(SwimSettings.LAN);
  }

  @Test
  void aWildcardClusterHostNeedsAnAdvertisedAddressAndAnEmptySeedListIsNone() {
    assertThat(error("--cluster.host", "0.0.0.0")).startsWith(
        "cluster.advertise: must be set when cluster.host is 0.0.0.0 (every interface)");
    CairnConfig c = load(Map.of("CAIRN_CLUSTER_SEEDS", "", "CAIRN_CLUSTER_DNS", ""),
        "--cluster.host", "0.0.0.0", "--cluster.port", "0", "--cluster.advertise", "10.1.2.3");
    assertThat(c.cluster().advertised(40000)).isEqualTo(new Address("10.1.2.3", 7071));
    assertThat(c.cluster().hasSeeds()).isFalse();
    assertThat(load("--cluster.port", "0").cluster().advertised(40000)).isEqualTo(new Address("127.0.0.1", 40000));
    assertThat(load("--cluster.dns", "cairn").cluster().describeSeeds()).isEqualTo("dns cairn:7071");
  }

  @Test
  void aHostNameLongerThanANodeIdIsCut() {
    assertThat(ConfigLoader.load(List.of(), Map.of(), () -> "h".repeat(100)).config().node().id()).isEqualTo("h".repeat(63));
  }

  @Test
  void theHostNameIsAskedForOnlyWhenNoNodeIdIsConfigured() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(List.of("--node.id", "n1"), Map.of(),
        () -> { throw new AssertionError("host name asked for"); });
    assertThat(loaded.config().node().id()).isEqualTo("n1");
  }

  @ParameterizedTest
  @CsvSource({"web-1.example.com, web-1.example.com", "'', cairn", "'bad host', cairn", "-x, cairn"})
  void aHostNameThatIsNoValidIdFallsBackToCairn(String hostName, String id) {
    CairnConfig c = ConfigLoader.load(List.of(), Map.of(), () -> hostName).config();
    assertThat(c.node().id()).isEqualTo(id);
  }

  @Test
  void helpWinsOverEverythingElse() {
    assertThat(ConfigLoader.load(List.of("--bogus", "--help"), Map.of("CAIRN_NOPE", "1"), () -> "h").help()).isTrue();
    assertThat(ConfigLoader.load(List.of("-h"), Map.of(), () -> "h").help()).isTrue();
    assertThat(ConfigLoader.help()).contains("CAIRN_HTTP_PORT", "--config FILE", "shutdown.grace");
  }

  // ---- precedence

  @Test
  void flagsOverrideEnvironmentOverridesFileOverridesDefaults() throws IOException {
    Path f = file("http:\n  port: 1001\n  host: 10.0.0.1\nstore:\n  pool-size: 7\n");
    Map<String, String> env = Map.of("CAIRN_CONFIG", f.toString(), "CAIRN_HTTP_PORT", "1002", "CAIRN_HTTP_INSTANCES", "3");

    CairnConfig all = load(env, "--http.port", "1003");
    assertThat(all.http().port()).isEqualTo(1003);          // flag over env over file
    assertThat(all.http().instances()).isEqualTo(3);       // env over default
    assertThat(all.http().host()).isEqualTo("10.0.0.1");   // file over default
    assertThat(all.store().poolSize()).isEqualTo(7);
    assertThat(all.store().timeout()).isEqualTo(Duration.ofSeconds(2)); // default

    assertThat(load(env).http().port()).isEqualTo(1002);
    assertThat(load(Map.of("CAIRN_CONFIG", f.toString())).http().port()).isEqualTo(1001);
    assertThat(load("--config", f.toString()).http().port()).isEqualTo(1001);
  }

  @Test
  void theConfigFlagWinsOverCairnConfig() throws IOException {
    Path a = file("http: {port: 1}\n");
    Path b = file("http: {port: 2}\n");
    assertThat(load(Map.of("CAIRN_CONFIG", a.toString()), "--config=" + b).http().port()).isEqualTo(2);
  }

  @Test
  void flagsTakeTheirValueAfterASpaceOrAnEqualsSign() {
    CairnConfig c = load("--http.port", "8080", "--node.id=n-2", "--store.url=jdbc:sqlite:/tmp/x.db?a=b");
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.node().id()).isEqualTo("n-2");
    assertThat(c.store().url()).isEqualTo("jdbc:sqlite:/tmp/x.db?a=b");
  }

  @Test
  void variablesOutsideCairnAreIgnored() {
    assertThat(load(Map.of("PATH", "/bin", "HTTP_PORT", "x", "cairn_http_port", "x")).http().port()).isEqualTo(7070);
  }

  // ---- every key

  static Stream<Arguments> everyKey() {
    return Stream.of(
        key("node.id", "node-7", c -> c.node().id(), "node-7"),
        key("node.zone", "eu-west-1a", c -> c.node().zone(), "eu-west-1a"),
        key("node.roles", "voter, cache", c -> c.node().roles(), Set.of("cache", "voter")),
        key("cluster.host", "10.0.0.7", c -> c.cluster().host(), "10.0.0.7"),
        key("cluster.port", "7171", c -> c.cluster().port(), 7171),
        key("cluster.advertise", "10.0.0.7", c -> c.cluster().advertise(), new Address("10.0.0.7", 7071)),
        key("cluster.seeds", "a:7001, b ,[::1]:7003", c -> c.cluster().seeds(),
            List.of(new Address("a", 7001), new Address("b", 7071), new Address("::1", 7003))),
        key("cluster.dns", "cairn-headless.default.svc:7171", c -> c.cluster().dns(), new Address("cairn-headless.default.svc", 7171)),
        key("membership.probe-interval", "1s", c -> c.membership().probeInterval(), Duration.ofSeconds(1)),
        key("membership.probe-timeout", "100ms", c -> c.membership().probeTimeout(), Duration.ofMillis(100)),
        key("membership.monitored-peers", "5", c -> c.membership().monitoredPeers(), 5),
        key("membership.indirect-probes", "0", c -> c.membership().indirectProbes(), 0),
        key("membership.gossip-interval", "50ms", c -> c.membership().gossipInterval(), Duration.ofMillis(50)),
        key("membership.gossip-fanout", "4", c -> c.membership().gossipFanout(), 4),
        key("membership.retransmit-multiplier", "6", c -> c.membership().retransmitMultiplier(), 6),
        key("membership.suspicion-multiplier", "4.5", c -> c.membership().suspicionMultiplier(), 4.5),
        key("membership.suspicion-max-multiplier", "6", c -> c.membership().suspicionMaxMultiplier(), 6.0),
        key("membership.suspicion-minimum", "2s", c -> c.membership().suspicionMinimum(), Duration.ofSeconds(2)),
        key("membership.awareness-max", "0", c -> c.membership().awarenessMax(), 0),
        key("membership.push-pull-interval", "30s", c -> c.membership().pushPullInterval(), Duration.ofSeconds(30)),
        key("membership.reconnect-interval", "1m", c -> c.membership().reconnectInterval(), Duration.ofMinutes(1)),
        key("membership.dead-retention", "1h", c -> c.membership().deadRetention(), Duration.ofHours(1)),
        key("membership.phi-threshold", "12.5", c -> c.membership().phi().threshold(), 12.5),
        key("membership.phi-window", "1000", c -> c.membership().phi().windowSize(), 1000),
        key("membership.phi-min-std-dev", "250ms", c -> c.membership().phi().minStdDev(), Duration.ofMillis(250)),
        key("membership.phi-acceptable-pause", "3s", c -> c.membership().phi().acceptablePause(), Duration.ofSeconds(3)),
        key("cp.voters", "3", c -> c.coordination().voters(), 3),
        key("cp.initial-voters", "cairn-0", c -> c.coordination().initialVoters(), List.of(NodeId.of("cairn-0"))),
        key("cp.bootstrap-settle", "0s", c -> c.coordination().bootstrapSettle(), Duration.ZERO),
        key("cp.request-timeout", "750ms", c -> c.coordination().requestTimeout(), Duration.ofMillis(750)),
        key("cp.snapshot-entries", "500", c -> c.coordination().snapshotEntries(), 500L),
        key("cp.replace-dead-voter-after", "0s", c -> c.coordination().replaceDeadVoterAfter(), Duration.ZERO),
        key("cp.max-pending-requests", "50", c -> c.coordination().maxPendingRequests(), 50),
        key("cp.raft.election-timeout-min", "300ms", c -> c.coordination().raft().electionTimeoutMin(),
            Duration.ofMillis(300)),
        key("cp.raft.election-timeout-max", "3s", c -> c.coordination().raft().electionTimeoutMax(), Duration.ofSeconds(3)),
        key("cp.raft.heartbeat-interval", "100ms", c -> c.coordination().raft().heartbeatInterval(),
            Duration.ofMillis(100)),
        key("cp.raft.max-inflight", "8", c -> c.coordination().raft().maxInflight(), 8),
        key("cp.raft.max-entries-per-message", "32", c -> c.coordination().raft().maxEntriesPerMessage(), 32),
        key("cp.raft.max-bytes-per-message", "64KiB", c -> c.coordination().raft().maxBytesPerMessage(), 65536),
        key("cache.partitions", "64", c -> c.cache().partitions(), 64),
        key("cache.lease", "3s", c -> c.cache().lease(), Duration.ofSeconds(3)),
        key("cache.request-timeout", "4s", c -> c.cache().requestTimeout(), Duration.ofSeconds(4)),
        key("cache.rebalance-delay", "0s", c -> c.cache().rebalanceDelay(), Duration.ZERO),
        key("cache.max-migrations", "16", c -> c.cache().maxMigrations(), 16),
        key("cache.orphan-timeout", "1m", c -> c.cache().orphanTimeout(), Duration.ofMinutes(1)),
        key("http.host", "0.0.0.0", c -> c.http().host(), "0.0.0.0"),
        key("http.port", "0", c -> c.http().port(), 0),
        key("http.instances", "3", c -> c.http().instances(), 3),
        key("data.dir", "/var/lib/cairn", c -> c.data().dir(), Path.of("/var/lib/cairn")),
        key("store.url", "jdbc:postgresql://db:5432/cairn", c -> c.store().url(), "jdbc:postgresql://db:5432/cairn"),
        key("store.user", "cairn", c -> c.store().user(), "cairn"),
        key("store.password", "s3cret", c -> c.store().password(), "s3cret"),
        key("store.pool-size", "16", c -> c.store().poolSize(), 16),
        key("store.timeout", "500ms", c -> c.store().timeout(), Duration.ofMillis(500)),
        key("store.breaker-failures", "10", c -> c.store().breakerFailures(), 10),
        key("store.breaker-reset", "PT30S", c -> c.store().breakerReset(), Duration.ofSeconds(30)),
        key("store.sweep-interval", "5m", c -> c.store().sweepInterval(), Duration.ofMinutes(5)),
        key("limits.max-key-bytes", "256", c -> c.limits().maxKeyBytes(), 256),
        key("limits.max-value-bytes", "512KiB", c -> c.limits().maxValueBytes(), 512L * 1024),
        key("limits.max-json-body-bytes", "1048576", c -> c.limits().maxJsonBodyBytes(), 1048576L),
        key("shutdown.grace", "1h", c -> c.shutdown().grace(), Duration.ofHours(1)),
        key("log.level", "debug", c -> c.log().level(), "DEBUG"),
        key("caches", "[{name: users, maxEntries: 1000}]", c -> c.caches(),
            List.of(new CacheDefinition("users", new CacheSpec(CacheSpec.Capacity.entries(1000), null, CacheSpec.StoreKind.JDBC)))));
  }

  private static Arguments key(String key, String text, Function<CairnConfig, Object> read, Object expected) {
    return Arguments.of(key, text, read, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyKey")
  void everyKeyIsReadFromEverySource(String key, String text, Function<CairnConfig, Object> read, Object expected)
      throws IOException {
    ConfigKey k = ConfigKey.named(key).orElseThrow();
    assertThat(read.apply(load("--" + key, text))).isEqualTo(expected);
    assertThat(read.apply(load("--" + key + "=" + text))).isEqualTo(expected);
    assertThat(read.apply(load(Map.of(k.env(), text)))).isEqualTo(expected);
    String yaml = key.equals("caches") ? "caches: " + text + "\n" : key + ": '" + text + "'\n";
    assertThat(read.apply(load("--config", file(yaml).toString()))).isEqualTo(expected);
  }

  @Test
  void everyKeyIsTested() {
    assertThat(everyKey().map(a -> (String) a.get()[0])).containsExactlyInAnyOrderElementsOf(
        ConfigKey.ALL.stream().map(ConfigKey::name).toList());
  }

  @Test
  void environmentNamesAreTheKeyUpperCasedWithUnderscores() {
    assertThat(ConfigKey.named("http.port").orElseThrow().env()).isEqualTo("CAIRN_HTTP_PORT");
    assertThat(ConfigKey.named("node.id").orElseThrow().env()).isEqualTo("CAIRN_NODE_ID");
    assertThat(ConfigKey.named("data.dir").orElseThrow().env()).isEqualTo("CAIRN_DATA_DIR");
    assertThat(ConfigKey.named("store.pool-size").orElseThrow().env()).isEqualTo("CAIRN_STORE_POOL_SIZE");
    assertThat(ConfigKey.named("limits.max-json-body-bytes").orElseThrow().env())
        .isEqualTo("CAIRN_LIMITS_MAX_JSON_BODY_BYTES");
  }

  // ---- every key's error line

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "node.id | -x | node.id: must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got \"-x\"",
      "node.id | `` | node.id: must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got \"\"",
      "node.zone | `eu west` | node.zone: must be empty or 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got \"eu west\"",
      "node.roles | `voter,-x` | node.roles: each role must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got \"-x\"",
      "cluster.host | `` | cluster.host: must not be empty",
      "cluster.port | 70710 | cluster.port: must be an integer from 0 to 65535, got \"70710\"",
      "cluster.advertise | `a:b` | cluster.advertise: must be host[:port], got \"a:b\": the port must be 0 to 65535: 'a:b'",
      "cluster.advertise | `a:0` | cluster.advertise: needs a port other than 0, got a:0",
      "cluster.seeds | `a:1,b:99999` | cluster.seeds: must be host[:port], got \"b:99999\": the port must be 0 to 65535: 'b:99999'",
      "cluster.dns | `::1` | cluster.dns: must be host[:port], got \"::1\": write an IPv6 address as [addr]:port: '::1'",
      "membership.probe-interval | 0ms | membership.probe-interval: must be longer than 0, got 0s",
      "membership.probe-timeout | 500ms | membership.probe-timeout: must be shorter than membership.probe-interval (500ms), got 500ms",
      "membership.monitored-peers | 0 | membership.monitored-peers: must be an integer from 1 to 64, got \"0\"",
      "membership.indirect-probes | -1 | membership.indirect-probes: must be an integer from 0 to 64, got \"-1\"",
      "membership.gossip-interval | fast | membership.gossip-interval: must be a duration such as 500ms, 2s, 5m, 1h or PT2S, got \"fast\"",
      "membership.gossip-fanout | 0 | membership.gossip-fanout: must be an integer from 1 to 64, got \"0\"",
      "membership.retransmit-multiplier | 0 | membership.retransmit-multiplier: must be an integer from 1 to 100, got \"0\"",
      "membership.suspicion-multiplier | 0 | membership.suspicion-multiplier: must be a number from 0.001 to 1000, got \"0\"",
      "membership.suspicion-max-multiplier | 0.5 | membership.suspicion-max-multiplier: must be a number from 1 to 1000, got \"0.5\"",
      "membership.suspicion-minimum | `` | membership.suspicion-minimum: must not be empty",
      "membership.awareness-max | 65 | membership.awareness-max: must be an integer from 0 to 64, got \"65\"",
      "membership.push-pull-interval | 0s | membership.push-pull-interval: must be longer than 0, got 0s",
      "membership.reconnect-interval | PT-1S | membership.reconnect-interval: must be longer than 0, got PT-1S",
      "membership.dead-retention | 0d | membership.dead-retention: must be longer than 0, got 0s",
      "membership.phi-threshold | NaN | membership.phi-threshold: must be a number from 0.001 to 1000, got \"NaN\"",
      "membership.phi-window | 1 | membership.phi-window: must be an integer from 2 to 100000, got \"1\"",
      "membership.phi-min-std-dev | 0ms | membership.phi-min-std-dev: must be longer than 0, got 0s",
      "membership.phi-acceptable-pause | PT-2S | membership.phi-acceptable-pause: must not be negative, got PT-2S",
      "cp.voters | 2 | cp.voters: must be 1, 3 or 5 (a group of 2 or 4 survives no more failures than one of 1 or 3), got 2",
      "cp.voters | 7 | cp.voters: must be an integer from 1 to 5, got \"7\"",
      "cp.initial-voters | `a,b` | cp.initial-voters: must name cp.voters (1) node ids, not 2",
      "cp.initial-voters | `a,-b` | cp.initial-voters: '-b' is not a node id (1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit)",
      "cp.bootstrap-settle | PT-1S | cp.bootstrap-settle: must not be negative",
      "cp.request-timeout | 0s | cp.request-timeout: must be longer than 0, got 0s",
      "cp.snapshot-entries | 0 | cp.snapshot-entries: must be an integer from 1 to 2147483647, got \"0\"",
      "cp.replace-dead-voter-after | PT-1M | cp.replace-dead-voter-after: must not be negative (0s: never)",
      "cp.max-pending-requests | 0 | cp.max-pending-requests: must be an integer from 1 to 1000000, got \"0\"",
      "cp.raft.heartbeat-interval | 500ms | cp.raft.heartbeat-interval: must be shorter than cp.raft.election-timeout-min (500ms), got 500ms",
      "cp.raft.election-timeout-max | 400ms | cp.raft.election-timeout-max: must be longer than cp.raft.election-timeout-min (500ms), got 400ms",
      "cp.raft.max-inflight | 0 | cp.raft.max-inflight: must be an integer from 1 to 10000, got \"0\"",
      "cp.raft.max-bytes-per-message | 1GiB | cp.raft.max-bytes-per-message: must be between 1 and 64MiB",
      "cache.partitions | 0 | cache.partitions: must be an integer from 1 to 65535, got \"0\"",
      "cache.partitions | 70000 | cache.partitions: must be an integer from 1 to 65535, got \"70000\"",
      "cache.lease | 500ms | cache.lease: must be at least 1s, got 500ms",
      "cache.request-timeout | 0s | cache.request-timeout: must be longer than 0, got 0s",
      "cache.rebalance-delay | PT-1S | cache.rebalance-delay: must not be negative",
      "cache.max-migrations | 0 | cache.max-migrations: must be an integer from 1 to 1000, got \"0\"",
      "cache.orphan-timeout | 0s | cache.orphan-timeout: must be longer than 0, got 0s",
      "http.host | `` | http.host: must not be empty",
      "http.host | `a b` | http.host: must be a host name or an IP address, got \"a b\"",
      "http.port | 70x0 | http.port: must be an integer from 0 to 65535, got \"70x0\"",
      "http.port | 65536 | http.port: must be an integer from 0 to 65535, got \"65536\"",
      "http.port | -1 | http.port: must be an integer from 0 to 65535, got \"-1\"",
      "http.instances | 0 | http.instances: must be an integer from 1 to 256, got \"0\"",
      "data.dir | `` | data.dir: must not be empty",
      "store.url | mysql://db/x | store.url: must start with jdbc:sqlite: or jdbc:postgresql: (or be empty for the embedded store)",
      "store.pool-size | 0 | store.pool-size: must be an integer from 1 to 1000, got \"0\"",
      "store.timeout | 2 | store.timeout: must be a duration such as 500ms, 2s, 5m, 1h or PT2S, got \"2\"",
      "store.timeout | 0s | store.timeout: must be longer than 0, got 0s",
      "store.breaker-failures | many | store.breaker-failures: must be an integer from 1 to 1000000, got \"many\"",
      "store.breaker-reset | 0ms | store.breaker-reset: must be longer than 0, got 0s",
      "store.sweep-interval | -1s | store.sweep-interval: must be a duration such as 500ms, 2s, 5m, 1h or PT2S, got \"-1s\"",
      "store.sweep-interval | PT-1S | store.sweep-interval: must be longer than 0, got PT-1S",
      "limits.max-key-bytes | 2048 | limits.max-key-bytes: must be an integer from 1 to 1024, got \"2048\"",
      "limits.max-value-bytes | 2GiB | limits.max-value-bytes: must be from 1 byte to 1GiB, got 2GiB",
      "limits.max-value-bytes | 0 | limits.max-value-bytes: must be from 1 byte to 1GiB, got 0",
      "limits.max-json-body-bytes | 4MB | limits.max-json-body-bytes: must be a size such as 1048576, 512KiB or 1MiB, got \"4MB\"",
      "limits.max-json-body-bytes | `` | limits.max-json-body-bytes: must not be empty",
      "shutdown.grace | 2h | shutdown.grace: must be from 0s to 1h, got 2h",
      "shutdown.grace | soon | shutdown.grace: must be a duration such as 500ms, 2s, 5m, 1h or PT2S, got \"soon\"",
      "log.level | VERBOSE | log.level: must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, got \"VERBOSE\"",
      "caches | {name: x} | caches: must be a YAML list such as [{name: users, maxEntries: 1000}]",
      "caches | `` | caches: must not be empty; give [] for no caches",
  })
  void aBadValueIsOneLineNamingTheKeyAndItsSource(String key, String text, String problem) {
    ConfigKey k = ConfigKey.named(key).orElseThrow();
    assertThat(error("--" + key, text)).isEqualTo(problem + " (from --" + key + ")");
    assertThat(error(Map.of(k.env(), text))).isEqualTo(problem + " (from " + k.env() + ")");
  }

  @Test
  void theExampleOfTheBrief() {
    assertThat(error(Map.of("CAIRN_HTTP_PORT", "70x0")))
        .isEqualTo("http.port: must be an integer from 0 to 65535, got \"70x0\" (from CAIRN_HTTP_PORT)");
  }

  @Test
  void aBadValueInTheFileNamesTheFile() throws IOException {
    Path f = file("http:\n  port: 70x0\n");
    assertThat(error("--config", f.toString()))
        .isEqualTo("http.port: must be an integer from 0 to 65535, got \"70x0\" (from " + f + ")");
  }

  @Test
  void aBadValueIsBlamedOnTheSourceThatWon() throws IOException {
    Path f = file("http:\n  port: 70x0\n");
    assertThat(load(Map.of("CAIRN_CONFIG", f.toString()), "--http.port", "1").http().port()).isEqualTo(1);
    assertThat(error(Map.of("CAIRN_CONFIG", file("http: {port: 1}").toString(), "CAIRN_HTTP_PORT", "x")))
        .endsWith("(from CAIRN_HTTP_PORT)");
  }

  @Test
  void anEmptyValueClearsTheStoreCredentialsButNoOtherKey() throws IOException {
    Path f = file("store:\n  url: jdbc:postgresql://db/x\n  user: u\n  password: p\n");
    CairnConfig c = load(Map.of("CAIRN_CONFIG", f.toString(), "CAIRN_STORE_URL", "", "CAIRN_STORE_PASSWORD", ""),
        "--store.user=");
    assertThat(c.store().url()).isNull();
    assertThat(c.store().user()).isNull();
    assertThat(c.store().password()).isNull();
    assertThat(error(Map.of("CAIRN_HTTP_PORT", ""))).isEqualTo("http.port: must be an integer from 0 to 65535, got \"\" (from CAIRN_HTTP_PORT)");
  }

  @Test
  void thePasswordIsNeverPrinted() {
    CairnConfig c = load("--store.url", "jdbc:postgresql://u:s3cret@db/x?password=s3cret", "--store.password", "s3cret");
    assertThat(c.store().toString()).doesNotContain("s3cret").contains("******");
    assertThat(c.toString()).doesNotContain("s3cret");
    assertThat(c.store().describe(Path.of("data"))).isEqualTo("jdbc:postgresql://db/x");
  }

  @Test
  void theEmbeddedStoreIsDescribedByItsFile() {
    assertThat(load("--data.dir", "/srv/cairn").store().describe(Path.of("/srv/cairn")))
        .isEqualTo("sqlite:/srv/cairn/store.db");
  }

  // ---- unknown keys, flags and variables

  @Test
  void anUnknownFlagIsAnError() {
    assertThat(error("--htp.port", "8080"))
        .isEqualTo("--htp.port: unknown flag, did you mean --http.port? (--help lists them)");
    assertThat(error("--frobnicate=1")).isEqualTo("--frobnicate: unknown flag (--help lists them)");
  }

  @Test
  void anUnknownCairnVariableIsAnError() {
    assertThat(error(Map.of("CAIRN_HTTP_PROT", "8080")))
        .isEqualTo("CAIRN_HTTP_PROT: names no configuration key, did you mean CAIRN_HTTP_PORT? "
            + "(every CAIRN_ variable must name one; --help lists them)");
    assertThat(error(Map.of("CAIRN_SOMETHING_ELSE", "1"))).startsWith("CAIRN_SOMETHING_ELSE: names no configuration key (");
  }

  @Test
  void anUnknownKeyInTheFileIsAnError() throws IOException {
    Path f = file("http:\n  prot: 8080\n");
    assertThat(error("--config", f.toString()))
        .isEqualTo("http.prot: unknown key, did you mean http.port? (from " + f + ")");
    Path g = file("raft:\n  port: 7071\n");
    assertThat(error("--config", g.toString())).isEqualTo("raft: unknown key; the file takes node, http, cluster, "
        + "membership, cp, cache, data, store, limits, shutdown, log and caches (from " + g + ")");
    Path h = file("store:\n  pool: 7\n");
    assertThat(error("--config", h.toString())).isEqualTo("store.pool: unknown key; store takes store.url, store.user, "
        + "store.password, store.pool-size, store.timeout, store.breaker-failures, store.breaker-reset, store.sweep-interval (from " + h + ")");
  }

  @Test
  void flagsNeedAValueAndComeOnce() {
    assertThat(error("--http.port")).isEqualTo("--http.port: has no value; give one as --http.port VALUE or --http.port=VALUE");
    assertThat(error("--http.port", "1", "--http.port=2")).isEqualTo("--http.port: is given twice");
    assertThat(error("serve")).isEqualTo("\"serve\": unexpected argument; flags look like --http.port 8080 or --http.port=8080");
    assertThat(error("-p", "1")).startsWith("\"-p\": unexpected argument");
    assertThat(error("--")).startsWith("\"--\": unexpected argument");
  }

  // ---- the file

  @Test
  void theFileTakesNestedOrDottedKeysAndEmptyMeansTheDefault() throws IOException {
    Path f = file("""
        node: {id: n-9}
        http.port: 9000
        http.host:
        http.instances: ''
        data: {dir: ~}
        store:
          url:
          pool-size: 8
          timeout: ~
        limits:
          max-value-bytes: 2MiB
        log: {level: warn}
        """);
    CairnConfig c = load("--config", f.toString());
    assertThat(c.node().id()).isEqualTo("n-9");
    assertThat(c.http().port()).isEqualTo(9000);
    assertThat(c.http().host()).isEqualTo("127.0.0.1");
    assertThat(c.http().instances()).isEqualTo(HttpSettings.defaultInstances());
    assertThat(c.data().dir()).isEqualTo(Path.of("data"));
    assertThat(c.store().url()).isNull();
    assertThat(c.store().poolSize()).isEqualTo(8);
    assertThat(c.store().timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.limits().maxValueBytes()).isEqualTo(2 * 1024 * 1024);
    assertThat(c.log().level()).isEqualTo("WARN");
  }

  @Test
  void anEmptyFileIsAllDefaults() throws IOException {
    assertThat(load("--config", file("").toString())).isEqualTo(load());
    assertThat(load("--config", file("# nothing\n").toString())).isEqualTo(load());
  }

  @Test
  void mistakesInTheFileShape() throws IOException {
    Path twice = file("http:\n  port: 1\nhttp.port: 2\n");
    assertThat(error("--config", twice.toString())).isEqualTo("http.port: is set twice (from " + twice + ")");
    Path dup = file("http:\n  port: 1\n  port: 2\n");
    assertThat(error("--config", dup.toString())).startsWith("config: not valid YAML at line 3").endsWith("(from " + dup + ")");
    Path scalarSection = file("http: 7070\n");
    assertThat(error("--config", scalarSection.toString()))
        .isEqualTo("http: must be a mapping of http.host, http.port, http.instances (from " + scalarSection + ")");
    Path listValue = file("http:\n  port: [1, 2]\n");
    assertThat(error("--config", listValue.toString()))
        .isEqualTo("http.port: must be a single value, not a list (from " + listValue + ")");
    Path notAMapping = file("- a\n- b\n");
    assertThat(error("--config", notAMapping.toString()))
        .isEqualTo("config: must be a YAML mapping of keys such as http: {port: 7070} (from " + notAMapping + ")");
    Path broken = file("http:\n  port: [1\n");
    assertThat(error("--config", broken.toString())).startsWith("config: not valid YAML at line ");
  }

  @Test
  void aMissingFileIsAnError() {
    Path missing = dir.resolve("nope.yaml");
    assertThat(error("--config", missing.toString())).isEqualTo("config: cannot read " + missing + ": no such file (from --config)");
    assertThat(error(Map.of("CAIRN_CONFIG", missing.toString())))
        .isEqualTo("config: cannot read " + missing + ": no such file (from CAIRN_CONFIG)");
    assertThat(error("--config", "")).isEqualTo("config: the file name is empty (from --config)");
  }

  // ---- caches

  @Test
  void cachesFromTheFile() throws IOException {
    Path f = file("""
        caches:
          - name: users
            maxEntries: 1000
          - name: sessions
            maxBytes: 1048576
            defaultTtlMillis: 60000
            store: none
          - {name: plain}
        """);
    List<CacheDefinition> caches = load("--config", f.toString()).caches();
    assertThat(caches).containsExactly(
        new CacheDefinition("users", new CacheSpec(CacheSpec.Capacity.entries(1000), null, CacheSpec.StoreKind.JDBC)),
        new CacheDefinition("sessions", new CacheSpec(CacheSpec.Capacity.bytes(1048576), Duration.ofMinutes(1),
            CacheSpec.StoreKind.NONE)),
        new CacheDefinition("plain", CacheSpec.defaults()));
    assertThat(caches.get(1).toYaml()).isEqualTo("{name: sessions, maxBytes: 1048576, defaultTtlMillis: 60000, store: none, backups: 1}");
  }

  @Test
  void cachesFromFlowTextInTheEnvironmentOrAFlag() {
    Map<String, String> env = Map.of("CAIRN_CACHES", "[{name: users, maxEntries: 1000}, {name: s, store: none}]");
    assertThat(load(env).caches()).extracting(CacheDefinition::name).containsExactly("users", "s");
    assertThat(load(env, "--caches", "[]").caches()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "[{maxEntries: 1}] | caches[0].name: is required",
      "[{name: a}, {name: -b}] | caches[1].name: must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got \"-b\"",
      "[{name: 7}] | caches[0].name: must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got 7",
      "[{name: a, maxEntries: 1, maxBytes: 1}] | caches[0]: takes maxEntries or maxBytes, not both",
      "[{name: a, maxEntries: 0}] | caches[0].maxEntries: must be an integer of at least 1, got 0",
      "[{name: a, maxBytes: '1MiB'}] | caches[0].maxBytes: must be an integer of at least 1, got \"1MiB\"",
      "[{name: a, defaultTtlMillis: 315360000001}] | caches[0].defaultTtlMillis: must be an integer from 1 to 315360000000, got 315360000001",
      "[{name: a, store: redis}] | caches[0].store: must be jdbc or none, got \"redis\"",
      "[{name: a, ttl: 5}] | caches[0].ttl: unknown field; a cache takes name, maxEntries, maxBytes, defaultTtlMillis, store and backups",
      "[users] | caches[0]: must be a mapping such as {name: users, maxEntries: 1000}, got \"users\"",
      "[{name: a}, {name: a}] | caches[1].name: cache a is defined twice",
  })
  void aBadCacheDefinitionNamesTheItemAndField(String yaml, String problem) {
    assertThat(error(Map.of("CAIRN_CACHES", yaml))).isEqualTo(problem + " (from CAIRN_CACHES)");
  }

  @Test
  void badFlowTextIsAnError() {
    assertThat(error("--caches", "[{name: users"))
        .startsWith("caches: not valid YAML at line 1")
        .endsWith("(from --caches)");
  }

  @Test
  void aBadCacheInTheFileNamesTheFile() throws IOException {
    Path f = file("caches:\n  - {name: a, store: redis}\n");
    assertThat(error("--config", f.toString())).isEqualTo("caches[0].store: must be jdbc or none, got \"redis\" (from " + f + ")");
  }

  // ---- settings records check themselves, also when built in code

  @Test
  void recordsCheckThemselves() {
    assertThatThrownBy(() -> new HttpSettings("127.0.0.1", 70000, 1))
        .isInstanceOf(ConfigException.class).hasMessage("http.port: must be an integer from 0 to 65535, got 70000");
    assertThatThrownBy(() -> new ShutdownSettings(Duration.ofSeconds(-1)))
        .hasMessage("shutdown.grace: must be from 0s to 1h, got PT-1S");
    assertThatThrownBy(() -> new LogSettings(null)).hasMessage("log.level: must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, got nothing");
    assertThatThrownBy(() -> new NodeSettings("a".repeat(64))).hasMessageStartingWith("node.id: must be 1 to 63 characters");
    assertThatThrownBy(() -> new ClusterSettings("0.0.0.0", 7071, null, List.of(), null))
        .hasMessageStartingWith("cluster.advertise: must be set when cluster.host is 0.0.0.0");
    Map<String, String> env = new HashMap<>();
    env.put("CAIRN_CACHES", "[{name: a}]");
    assertThat(load(env).caches()).hasSize(1);
  }
}
