package io.cairn.node.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheSpec;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A cache the node creates at start when no cache of that name exists. An existing cache, for
 * example one reconfigured through the API, is left as it is.
 *
 * <p>In the configuration it has the shape of the contract's {@code CacheConfig} plus a name:
 * {@code {name: users, maxEntries: 1000, defaultTtlMillis: 60000, store: jdbc, backups: 1}}.
 */
public record CacheDefinition(String name, CacheSpec spec) {
  /** The contract's CacheName. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  static final Set<String> FIELDS = Set.of("name", "maxEntries", "maxBytes", "defaultTtlMillis", "store", "backups");
  static final long MAX_TTL_MILLIS = CacheSpec.MAX_TTL.toMillis();

  public CacheDefinition {
    Check.that(name != null && NAME.matcher(name).matches(), "caches",
        "a cache name must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
            + (name == null ? "nothing" : Values.quote(name)));
    Check.that(spec != null, "caches", "cache " + name + " has no configuration");
  }

  /** Reads one item of {@code caches}; {@code at} names it in errors, e.g. {@code caches[0]}. */
  static CacheDefinition fromYaml(JsonNode item, String at) {
    if (item == null || !item.isObject()) {
      throw new ConfigException(at, "must be a mapping such as {name: users, maxEntries: 1000}, got "
          + describe(item));
    }
    for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new ConfigException(at + "." + field,
            "unknown field; a cache takes name, maxEntries, maxBytes, defaultTtlMillis, store and backups");
      }
    }
    JsonNode nameNode = item.get("name");
    if (nameNode == null || nameNode.isNull()) {
      throw new ConfigException(at + ".name", "is required");
    }
    if (!nameNode.isTextual() || !NAME.matcher(nameNode.textValue()).matches()) {
      throw new ConfigException(at + ".name",
          "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
              + describe(nameNode));
    }
    Long maxEntries = integer(item, "maxEntries", at, 1, Long.MAX_VALUE);
    Long maxBytes = integer(item, "maxBytes", at, 1, Long.MAX_VALUE);
    Long ttl = integer(item, "defaultTtlMillis", at, 1, MAX_TTL_MILLIS);
    Long backups = integer(item, "backups", at, 0, CacheSpec.MAX_BACKUPS);
    if (maxEntries != null && maxBytes != null) {
      throw new ConfigException(at, "takes maxEntries or maxBytes, not both");
    }
    CacheSpec.StoreKind store = CacheSpec.StoreKind.JDBC;
    JsonNode storeNode = item.get("store");
    if (storeNode != null && !storeNode.isNull()) {
      if (!storeNode.isTextual() || !(storeNode.textValue().equals("jdbc") || storeNode.textValue().equals("none"))) {
        throw new ConfigException(at + ".store", "must be jdbc or none, got " + describe(storeNode));
      }
      store = CacheSpec.StoreKind.fromWire(storeNode.textValue());
    }
    CacheSpec.Capacity capacity = maxBytes != null
        ? CacheSpec.Capacity.bytes(maxBytes)
        : CacheSpec.Capacity.entries(maxEntries != null ? maxEntries : CacheSpec.DEFAULT_MAX_ENTRIES);
    try {
      return new CacheDefinition(nameNode.textValue(),
          new CacheSpec(capacity, ttl == null ? null : Duration.ofMillis(ttl), store,
              backups == null ? CacheSpec.DEFAULT_BACKUPS : backups.intValue()));
    } catch (CacheFailure invalid) {
      throw new ConfigException(at, invalid.getMessage());
    }
  }

  /** This definition in the configuration's shape, for logs and documentation. */
  public String toYaml() {
    StringBuilder b = new StringBuilder("{name: ").append(name);
    CacheSpec.Capacity c = spec.capacity();
    b.append(c.unit() == CacheSpec.Capacity.Unit.ENTRIES ? ", maxEntries: " : ", maxBytes: ").append(c.maximum());
    if (spec.defaultTtl() != null) {
      b.append(", defaultTtlMillis: ").append(spec.defaultTtl().toMillis());
    }
    return b.append(", store: ").append(spec.store().wireName()).append(", backups: ").append(spec.backups())
        .append('}').toString();
  }

  private static Long integer(JsonNode item, String field, String at, long min, long max) {
    JsonNode n = item.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
      throw new ConfigException(at + "." + field, Values.rangeText(min, max) + ", got " + describe(n));
    }
    return n.longValue();
  }

  private static String describe(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "nothing";
    }
    if (n.isTextual()) {
      return Values.quote(n.textValue());
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isObject()) {
      return "a mapping";
    }
    return n.asText();
  }
}
