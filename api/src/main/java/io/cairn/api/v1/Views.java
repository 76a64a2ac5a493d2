package io.cairn.api.v1;

import io.cairn.cache.CacheInfo;
import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheStats;
import io.cairn.cache.Entry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The JSON of the contract's response schemas, from the cache module's value types. */
final class Views {
  private Views() {}

  /** The {@code Cache} schema. */
  static JsonObject cache(CacheInfo info) {
    return new JsonObject()
        .put("name", info.name())
        .put("config", config(info.spec()))
        .put("createdAt", time(info.createdAt()))
        .put("stats", stats(info.stats()));
  }

  /** The {@code CacheSettingsView} schema: the configuration in force, every field filled in. */
  static JsonObject config(CacheSpec spec) {
    JsonObject config = new JsonObject();
    if (spec.capacity().unit() == CacheSpec.Capacity.Unit.ENTRIES) {
      config.put("maxEntries", spec.capacity().maximum());
    } else {
      config.put("maxBytes", spec.capacity().maximum());
    }
    if (spec.defaultTtl() != null) {
      config.put("defaultTtlMillis", spec.defaultTtl().toMillis());
    }
    return config.put("store", spec.store().wireName()).put("backups", spec.backups());
  }

  /** The {@code PartitionsView} schema. */
  static JsonObject partitions(io.cairn.cache.cluster.ClusterView v) {
    JsonObject out = new JsonObject().put("formed", v.formed())
        .put("epoch", v.formed() ? v.assignments().epoch() : 0)
        .put("revision", v.revision())
        .put("partitionCount", v.partitionCount())
        .put("storeKind", v.storeKind());
    io.vertx.core.json.JsonArray members = new io.vertx.core.json.JsonArray();
    v.members().values().forEach(m -> members.add(new JsonObject().put("id", m.id().value())
        .put("session", m.session()).put("zone", m.zone())));
    out.put("members", members);
    io.vertx.core.json.JsonArray partitions = new io.vertx.core.json.JsonArray();
    io.vertx.core.json.JsonArray migrations = new io.vertx.core.json.JsonArray();
    if (v.formed()) {
      for (int p = 0; p < v.partitionCount(); p++) {
        io.cairn.cache.cluster.Holders h = v.assignments().holders(p);
        JsonObject item = new JsonObject().put("partition", p);
        if (h.owner() != null) {
          item.put("owner", h.owner().value());
        }
        io.vertx.core.json.JsonArray backups = new io.vertx.core.json.JsonArray();
        h.backups().forEach(b -> backups.add(b.value()));
        io.vertx.core.json.JsonArray pending = new io.vertx.core.json.JsonArray();
        for (io.cairn.membership.NodeId n : h.pending()) {
          pending.add(n.value());
          migrations.add(new JsonObject().put("partition", p).put("from", String.valueOf(h.owner())).put("to", n.value()));
        }
        partitions.add(item.put("backups", backups).put("pending", pending));
      }
    }
    out.put("partitions", partitions).put("migrations", migrations);
    if (v.target() != null) {
      io.vertx.core.json.JsonArray owners = new io.vertx.core.json.JsonArray();
      for (int p = 0; p < v.target().partitionCount(); p++) {
        owners.add(v.target().owner(p).value());
      }
      out.put("target", new JsonObject().put("epoch", v.target().epoch()).put("owners", owners));
    }
    return out;
  }

  /** The {@code CacheStats} schema. */
  static JsonObject stats(CacheStats stats) {
    return new JsonObject()
        .put("hits", stats.hits())
        .put("misses", stats.misses())
        .put("hitRatio", stats.hitRatio())
        .put("loads", stats.loads())
        .put("loadFailures", stats.loadFailures())
        .put("evictions", stats.evictions())
        .put("entries", stats.entries())
        .put("weightedBytes", stats.weightedBytes());
  }

  /** The {@code CacheList} schema. */
  static JsonObject cacheList(List<CacheInfo> caches) {
    JsonArray list = new JsonArray();
    for (CacheInfo info : caches) {
      list.add(cache(info));
    }
    return new JsonObject().put("caches", list);
  }

  /** The {@code EntryMetadata} schema. */
  static JsonObject metadata(String cache, Entry entry) {
    JsonObject json = new JsonObject()
        .put("cache", cache)
        .put("key", entry.key())
        .put("version", entry.version())
        .put("contentType", entry.contentType())
        .put("size", (long) entry.value().length);
    if (entry.expiresAt() != null) {
      json.put("expiresAt", time(entry.expiresAt()));
    }
    return json;
  }

  /** One {@code BulkGetItem}; {@code entry} null when the key has no entry. */
  static JsonObject bulkItem(String key, Entry entry) {
    JsonObject json = new JsonObject().put("key", key).put("found", entry != null);
    if (entry != null) {
      json.put("version", entry.version())
          .put("contentType", entry.contentType())
          .put("value", java.util.Base64.getEncoder().encodeToString(entry.value()));
      if (entry.expiresAt() != null) {
        json.put("expiresAt", time(entry.expiresAt()));
      }
    }
    return json;
  }

  /** RFC 3339 in UTC, to the millisecond: {@code 2026-01-02T03:04:05.678Z}. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
