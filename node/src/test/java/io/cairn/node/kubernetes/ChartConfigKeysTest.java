package io.cairn.node.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.node.config.ConfigKey;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart configures the node only through the node's own keys: every CAIRN_* variable it
 * renders is a key of {@link ConfigKey#ALL}, in the node's own spelling ({@link ConfigKey#env()}).
 */
class ChartConfigKeysTest {

  /** Every key the chart may set: the node's own, by environment variable. */
  private static Map<String, String> known() {
    Map<String, String> byEnv = new HashMap<>();
    ConfigKey.ALL.forEach(k -> byEnv.put(k.env(), k.name()));
    return byEnv;
  }

  /** Every config value filled, so that every leaf of `config` is rendered. */
  private static final Map<String, Object> EVERY_KEY = Map.ofEntries(
      Map.entry("config.node.roles", "voter"),
      Map.entry("config.http.instances", 2),
      Map.entry("config.cluster.seeds", "a.example:7071"),
      Map.entry("config.membership.probe-interval", "750ms"),
      Map.entry("config.cp.bootstrap-settle", "3s"),
      Map.entry("config.cp.request-timeout", "4s"),
      Map.entry("config.cp.snapshot-entries", 5000),
      Map.entry("config.cp.replace-dead-voter-after", "15m"),
      Map.entry("config.cp.max-pending-requests", 20000),
      Map.entry("config.cp.raft.election-timeout-min", "600ms"),
      Map.entry("config.cp.raft.election-timeout-max", "1200ms"),
      Map.entry("config.cp.raft.heartbeat-interval", "60ms"),
      Map.entry("config.cp.raft.max-inflight", 32),
      Map.entry("config.cp.raft.max-entries-per-message", 128),
      Map.entry("config.cp.raft.max-bytes-per-message", "2MiB"),
      Map.entry("config.membership.probe-timeout", "750ms"),
      Map.entry("config.membership.monitored-peers", 4),
      Map.entry("config.membership.indirect-probes", 4),
      Map.entry("config.membership.gossip-interval", "750ms"),
      Map.entry("config.membership.gossip-fanout", 4),
      Map.entry("config.membership.retransmit-multiplier", 4),
      Map.entry("config.membership.suspicion-multiplier", 2.5),
      Map.entry("config.membership.suspicion-max-multiplier", 2.5),
      Map.entry("config.membership.suspicion-minimum", "750ms"),
      Map.entry("config.membership.awareness-max", 2),
      Map.entry("config.membership.push-pull-interval", "750ms"),
      Map.entry("config.membership.reconnect-interval", "750ms"),
      Map.entry("config.membership.dead-retention", "750ms"),
      Map.entry("config.membership.phi-threshold", 2.5),
      Map.entry("config.membership.phi-window", 4),
      Map.entry("config.membership.phi-min-std-dev", "750ms"),
      Map.entry("config.membership.phi-acceptable-pause", "750ms"),
      Map.entry("config.cache.partitions", 64),
      Map.entry("config.cache.lease", "3s"),
      Map.entry("config.cache.request-timeout", "4s"),
      Map.entry("config.cache.rebalance-delay", "1s"),
      Map.entry("config.cache.max-migrations", 8),
      Map.entry("config.cache.orphan-timeout", "10m"),
      Map.entry("config.store.url", "jdbc:postgresql://db:5432/cairn"),
      Map.entry("config.store.user", "cairn"),
      Map.entry("config.store.pool-size", 8),
      Map.entry("config.store.timeout", "3s"),
      Map.entry("config.store.breaker-failures", 3),
      Map.entry("config.store.breaker-reset", "10s"),
      Map.entry("config.store.sweep-interval", "5m"),
      Map.entry("config.limits.max-key-bytes", 512),
      Map.entry("config.limits.max-value-bytes", "2MiB"),
      Map.entry("config.limits.max-json-body-bytes", 8388608),
      Map.entry("config.caches[0].name", "users"),
      Map.entry("config.caches[0].maxEntries", 1000),
      Map.entry("storePasswordSecret.name", "db"),
      Map.entry("zone.value", "eu-west-1a"));

  @Test
  void everyRenderedCairnVariableIsAConfigurationKey() {
    Map<String, String> known = known();
    for (Map<String, Object> set : List.of(Map.<String, Object>of(), Chart.NON_DEFAULT, EVERY_KEY)) {
      Set<String> rendered = cairnVariables(Chart.template(set));
      assertThat(rendered).as("with %s", set).isNotEmpty();
      assertThat(known.keySet()).as("CAIRN_* variables rendered with %s", set).containsAll(rendered);
    }
  }

  @Test
  void withEveryValueFilledTheChartSetsEveryKeyButTheOnesLeftToDefaults() {
    Map<String, String> known = known();
    Set<String> names = cairnVariables(Chart.template(EVERY_KEY)).stream().map(known::get)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> expected = new TreeSet<>(known.values());
    // log.level and shutdown.grace have chart defaults; everything else is set in EVERY_KEY or from the pod.
    assertThat(names).isEqualTo(expected);
  }

  @Test
  void valuesAreRenderedAsTheNodeParsesThem() {
    Chart.Rendered r = Chart.template(EVERY_KEY);
    assertThat(r.envValue("CAIRN_LIMITS_MAX_JSON_BODY_BYTES")).isEqualTo("8388608"); // never 8.388608e+06
    assertThat(r.envValue("CAIRN_LIMITS_MAX_VALUE_BYTES")).isEqualTo("2MiB");
    assertThat(r.envValue("CAIRN_HTTP_INSTANCES")).isEqualTo("2");
    assertThat(r.envValue("CAIRN_CACHES")).isEqualTo("[{\"maxEntries\":1000,\"name\":\"users\"}]"); // YAML flow text
    JsonNode password = r.env().get("CAIRN_STORE_PASSWORD");
    assertThat(password.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("db");
    assertThat(password.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
    // Empty values are not rendered: an empty CAIRN_ variable is an error for most keys.
    for (JsonNode e : Chart.template().env().values()) {
      if (e.has("value")) {
        assertThat(e.path("value").asText()).as(e.path("name").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void theSchemaOffersOnlyConfigurationKeys() throws IOException {
    JsonNode schema = new ObjectMapper().readTree(Chart.DIR.resolve("values.schema.json").toFile());
    Set<String> offered = new TreeSet<>();
    collect(schema.at("/properties/config"), "", offered);
    Set<String> names = new TreeSet<>(known().values());
    assertThat(names).containsAll(offered);
    // The keys the chart derives from the pod are not offered, so they cannot be set twice.
    assertThat(offered).doesNotContain("node.id", "node.zone", "http.host", "cluster.host", "cluster.advertise",
        "cluster.dns", "data.dir", "store.password");
  }

  private static void collect(JsonNode schema, String prefix, Set<String> keys) {
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
      if ("object".equals(f.getValue().path("type").asText())) {
        collect(f.getValue(), key, keys);
      } else {
        keys.add(key);
      }
    }
  }

  private static Set<String> cairnVariables(Chart.Rendered r) {
    Set<String> names = new TreeSet<>();
    for (JsonNode c : r.containers()) {
      Stream.of(c.path("env")).flatMap(env -> java.util.stream.StreamSupport.stream(env.spliterator(), false))
          .map(e -> e.path("name").asText()).filter(n -> n.startsWith("CAIRN_")).forEach(names::add);
    }
    return names;
  }
}
