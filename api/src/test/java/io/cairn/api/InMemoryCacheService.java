package io.cairn.api;

import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheInfo;
import io.cairn.cache.CacheService;
import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheStats;
import io.cairn.cache.Entry;
import io.cairn.cache.Precondition;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A small but real {@link CacheService} for the API tests: memory only, unbounded, one lock.
 * It keeps the interface's promises that the API relies on: versions only ever increase (one
 * counter for the whole service), keys list in the order of their UTF-8 bytes, preconditions as
 * {@link Precondition#allows}, failures as {@link CacheFailure}s in failed Futures.
 */
public final class InMemoryCacheService implements CacheService {
  private static final Comparator<String> UTF8_ORDER = (a, b) ->
      Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final int maxKeyBytes;
  private final long maxValueBytes;
  private final TreeMap<String, Cache> caches = new TreeMap<>();
  private long lastVersion;

  private static final class Cache {
    final String name;
    CacheSpec spec;
    final Instant createdAt = Instant.now();
    final NavigableMap<String, Entry> entries = new TreeMap<>(UTF8_ORDER);
    long hits;
    long misses;

    Cache(String name, CacheSpec spec) {
      this.name = name;
      this.spec = spec;
    }

    CacheInfo info() {
      return new CacheInfo(name, spec, createdAt,
          new CacheStats(hits, misses, 0, 0, 0, entries.size(), 0));
    }
  }

  public InMemoryCacheService(int maxKeyBytes, long maxValueBytes) {
    this.maxKeyBytes = maxKeyBytes;
    this.maxValueBytes = maxValueBytes;
  }

  private synchronized <T> Future<T> call(Supplier<T> body) {
    try {
      return Future.succeededFuture(body.get());
    } catch (CacheFailure e) {
      return Future.failedFuture(e);
    }
  }

  private Cache cache(String name) {
    Cache cache = caches.get(name);
    if (cache == null) {
      throw CacheFailure.noSuchCache(name);
    }
    return cache;
  }

  private Entry live(Cache cache, String key) {
    Entry entry = cache.entries.get(key);
    boolean expired = entry != null && entry.expiresAt() != null && !entry.expiresAt().isAfter(Instant.now());
    return expired ? null : entry;
  }

  private void checkKey(String key) {
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > maxKeyBytes) {
      throw CacheFailure.invalidKey("key is " + bytes + " bytes; 1 to " + maxKeyBytes + " are allowed");
    }
  }

  @Override
  public Future<List<CacheInfo>> list() {
    return call(() -> caches.values().stream().map(Cache::info).toList());
  }

  @Override
  public Future<CacheInfo> describe(String name) {
    return call(() -> cache(name).info());
  }

  @Override
  public Future<Defined> define(String name, CacheSpec spec) {
    return call(() -> {
      Cache existing = caches.get(name);
      if (existing == null) {
        Cache cache = new Cache(name, spec);
        caches.put(name, cache);
        return new Defined(cache.info(), true);
      }
      if (existing.spec.store() != spec.store()) {
        throw CacheFailure.specConflict("the store of cache '" + name + "' is " + existing.spec.store().wireName()
            + " and cannot change");
      }
      existing.spec = spec;
      return new Defined(existing.info(), false);
    });
  }

  @Override
  public Future<Void> remove(String name) {
    return call(() -> {
      cache(name);
      caches.remove(name);
      return null;
    });
  }

  @Override
  public Future<Entry> get(String name, String key) {
    return call(() -> {
      Cache cache = cache(name);
      checkKey(key);
      Entry entry = live(cache, key);
      if (entry == null) {
        cache.misses++;
      } else {
        cache.hits++;
      }
      return entry;
    });
  }

  @Override
  public Future<Map<String, Entry>> getAll(String name, List<String> keys) {
    return call(() -> {
      Cache cache = cache(name);
      keys.forEach(this::checkKey);
      Map<String, Entry> found = new LinkedHashMap<>();
      for (String key : keys) {
        Entry entry = live(cache, key);
        if (entry != null) {
          found.put(key, entry);
        }
      }
      return found;
    });
  }

  @Override
  public Future<PutResult> put(String name, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre) {
    return call(() -> {
      Cache cache = cache(name);
      checkKey(key);
      if (value.length > maxValueBytes) {
        throw CacheFailure.valueTooLarge(value.length, maxValueBytes);
      }
      Duration effective = ttl != null ? ttl : cache.spec.defaultTtl();
      if (effective != null && (effective.isNegative() || effective.isZero()
          || effective.compareTo(CacheSpec.MAX_TTL) > 0)) {
        throw CacheFailure.invalidSpec("ttl must be between 1 and " + CacheSpec.MAX_TTL.toMillis() + " ms");
      }
      Entry current = live(cache, key);
      if (!pre.allows(current)) {
        throw CacheFailure.preconditionFailed(name, key, pre, current);
      }
      Entry entry = new Entry(key, value.clone(), contentType, ++lastVersion,
          effective == null ? null : Instant.now().plus(effective));
      cache.entries.put(key, entry);
      return new PutResult(entry, current == null);
    });
  }

  @Override
  public Future<Void> delete(String name, String key, Precondition pre) {
    return call(() -> {
      Cache cache = cache(name);
      checkKey(key);
      Entry current = live(cache, key);
      if (!pre.allows(current)) {
        throw CacheFailure.preconditionFailed(name, key, pre, current);
      }
      if (current == null) {
        throw CacheFailure.noSuchEntry(name, key);
      }
      cache.entries.remove(key);
      return null;
    });
  }

  @Override
  public Future<KeyPage> keys(String name, String prefix, String afterKey, int limit) {
    return call(() -> {
      Cache cache = cache(name);
      NavigableMap<String, Entry> tail = afterKey == null ? cache.entries : cache.entries.tailMap(afterKey, false);
      List<String> keys = new ArrayList<>();
      boolean more = false;
      for (String key : tail.keySet()) {
        if (!key.startsWith(prefix) || live(cache, key) == null) {
          continue;
        }
        if (keys.size() == limit) {
          more = true;
          break;
        }
        keys.add(key);
      }
      return new KeyPage(keys, more ? keys.get(keys.size() - 1) : null);
    });
  }

  @Override
  public StoreStatus storeStatus() {
    return new StoreStatus("UP", "memory");
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
