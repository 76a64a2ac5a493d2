package io.cairn.cache;

import io.cairn.cache.replication.ReplicaMessage;
import io.cairn.membership.transport.CodecException;
import io.cairn.membership.wire.WireReader;
import io.cairn.membership.wire.WireWriter;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cache's messages between nodes, on the transport's REPLICATION channel: client operations
 * forwarded to a partition's owner, and what an owner sends the other holders of its partitions.
 * Big-endian; a string is a u16 length and UTF-8, a byte array a u32 length; every length is
 * checked against its limit and the bytes left.
 *
 * <pre>
 * request  = u8 kind, i64 requestId, i64 epoch, string clientRequestId, cache, ...
 *   GET      key
 *   PUT      key, bytes value, string contentType, i64 ttlMillis (-1: the cache's), precondition, fence
 *   DELETE   key, precondition, fence
 *   GET_ALL  u32 n, n keys
 *   KEYS     string prefix, u8 has-cursor [string afterKey], u32 limit
 *   REPLICATE   u32 partition, i64 epoch, i64 writeId, i64 syncId, change
 *   SYNC_BEGIN  u32 partition, i64 epoch, i64 syncId
 *   SYNC_CHUNK  u32 partition, i64 syncId, u32 seq, u32 n, n changes
 *   SYNC_END    u32 partition, i64 syncId
 * precondition = u8 flags (1: If-None-Match *, 2: If-Match), [u16 n, n i64 versions (-1: *)]
 * fence    = u8 present, [string kind, string name, i64 token]
 * change   = cache, key, i64 version, u8 present, [bytes value, string contentType, i64 expiresAtMillis (-1: none)]
 * reply    = u8 status: OK then the operation's answer (GET_ALL: per key u8 FOUND entry | ABSENT |
 *            NOT_SERVED); NOT_OWNER i64 epoch; NO_LEASE; RETRY;
 *            FAILURE u8 reason, string message, i64 highest token (of a stale fence, else 0);
 *            REJECTED i64 epoch
 * </pre>
 */
final class CacheWire {
  static final byte GET = 1;
  static final byte PUT = 2;
  static final byte DELETE = 3;
  static final byte GET_ALL = 4;
  static final byte KEYS = 5;
  static final byte REPLICATE = 10;
  static final byte SYNC_BEGIN = 11;
  static final byte SYNC_CHUNK = 12;
  static final byte SYNC_END = 13;

  static final byte OK = 0;
  static final byte NOT_OWNER = 1;
  static final byte NO_LEASE = 2;
  static final byte RETRY = 3;
  static final byte FAILURE = 4;
  static final byte REJECTED = 5;

  /** Per key of a bulk read's OK reply: its entry follows, it has none, or the owner does not serve it. */
  static final byte BULK_FOUND = 1;
  static final byte BULK_ABSENT = 0;
  static final byte BULK_NOT_SERVED = 2;

  static final int MAX_NAME = 1024;
  static final int MAX_KEY = 4096;
  static final int MAX_TEXT = 64 * 1024;
  static final int MAX_VALUE = Integer.MAX_VALUE;

  private CacheWire() {}

  // ---------------------------------------------------------------- forwarded operations

  /** An operation forwarded to a partition's owner. */
  sealed interface Op {
    String cache();
  }

  record Get(String cache, String key) implements Op {}

  record Put(String cache, String key, byte[] value, String contentType, long ttlMillis, Precondition pre, Fence fence)
      implements Op {}

  record Delete(String cache, String key, Precondition pre, Fence fence) implements Op {}

  record GetAll(String cache, List<String> keys) implements Op {}

  record ListKeys(String cache, String prefix, String afterKey, int limit) implements Op {}

  /**
   * A forwarded operation, with the sender's id for it (a repeat is not done twice), its view
   * epoch and the id of the client request it serves (for the owner's log; "" when none).
   */
  record Forward(long requestId, long epoch, String clientRequestId, Op op) {}

  /** The longest client request id carried (the API accepts at most 64 characters). */
  static final int MAX_CLIENT_REQUEST_ID = 256;

  static Buffer encode(Forward f) {
    Buffer out = Buffer.buffer(64);
    Op op = f.op();
    byte kind = op instanceof Get ? GET : op instanceof Put ? PUT : op instanceof Delete ? DELETE
        : op instanceof GetAll ? GET_ALL : KEYS;
    out.appendByte(kind).appendLong(f.requestId()).appendLong(f.epoch());
    WireWriter.string(out, f.clientRequestId(), MAX_CLIENT_REQUEST_ID, "client request id");
    WireWriter.string(out, op.cache(), MAX_NAME, "cache");
    if (op instanceof Get g) {
      WireWriter.string(out, g.key(), MAX_KEY, "key");
    } else if (op instanceof Put p) {
      WireWriter.string(out, p.key(), MAX_KEY, "key");
      WireWriter.bytes(out, p.value(), MAX_VALUE, "value");
      WireWriter.string(out, p.contentType(), MAX_TEXT, "content type");
      out.appendLong(p.ttlMillis());
      precondition(out, p.pre());
      fence(out, p.fence());
    } else if (op instanceof Delete d) {
      WireWriter.string(out, d.key(), MAX_KEY, "key");
      precondition(out, d.pre());
      fence(out, d.fence());
    } else if (op instanceof GetAll g) {
      out.appendInt(g.keys().size());
      for (String k : g.keys()) {
        WireWriter.string(out, k, MAX_KEY, "key");
      }
    } else {
      ListKeys k = (ListKeys) op;
      WireWriter.string(out, k.prefix(), MAX_KEY, "prefix");
      out.appendByte((byte) (k.afterKey() == null ? 0 : 1));
      if (k.afterKey() != null) {
        WireWriter.string(out, k.afterKey(), MAX_KEY, "after key");
      }
      out.appendInt(k.limit());
    }
    return out;
  }

  /** The forwarded operation in {@code in}, or null when it is a replica message. */
  static Forward decodeForward(Buffer in) {
    WireReader r = new WireReader(in);
    int kind = r.u8("kind");
    if (kind < GET || kind > KEYS) {
      return null;
    }
    long requestId = r.i64("request id");
    long epoch = r.i64("epoch");
    String clientRequestId = r.string(MAX_CLIENT_REQUEST_ID, "client request id");
    String cache = r.string(MAX_NAME, "cache");
    Op op = switch (kind) {
      case GET -> new Get(cache, r.string(MAX_KEY, "key"));
      case PUT -> new Put(cache, r.string(MAX_KEY, "key"), r.bytes(MAX_VALUE, "value"),
          r.string(MAX_TEXT, "content type"), r.i64("ttl"), precondition(r), fence(r));
      case DELETE -> new Delete(cache, r.string(MAX_KEY, "key"), precondition(r), fence(r));
      case GET_ALL -> {
        int n = r.i32("keys");
        if (n < 0 || n > r.remaining() / 2) {
          throw new CodecException("keys: " + n + " do not fit");
        }
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          keys.add(r.string(MAX_KEY, "key"));
        }
        yield new GetAll(cache, keys);
      }
      default -> {
        String prefix = r.string(MAX_KEY, "prefix");
        String after = r.bool("has cursor") ? r.string(MAX_KEY, "after key") : null;
        yield new ListKeys(cache, prefix, after, r.i32("limit"));
      }
    };
    r.expectEnd("forwarded operation");
    return new Forward(requestId, epoch, clientRequestId, op);
  }

  private static void precondition(Buffer out, Precondition pre) {
    Precondition p = pre == null ? Precondition.NONE : pre;
    out.appendByte((byte) ((p.ifNoneMatchAny() ? 1 : 0) | (p.ifMatch() != null ? 2 : 0)));
    if (p.ifMatch() != null) {
      out.appendUnsignedShort(p.ifMatch().size());
      for (long v : p.ifMatch()) {
        out.appendLong(v);
      }
    }
  }

  private static Precondition precondition(WireReader r) {
    int flags = r.u8("precondition");
    if (flags > 3) {
      throw new CodecException("precondition flags " + flags);
    }
    Set<Long> ifMatch = null;
    if ((flags & 2) != 0) {
      int n = r.u16("versions");
      ifMatch = new HashSet<>();
      for (int i = 0; i < n; i++) {
        ifMatch.add(r.i64("version"));
      }
      ifMatch = Set.copyOf(ifMatch);
    }
    return new Precondition(ifMatch, (flags & 1) != 0);
  }

  private static void fence(Buffer out, Fence f) {
    WireWriter.bool(out, f != null);
    if (f != null) {
      WireWriter.string(out, f.kind(), MAX_NAME, "fence kind");
      WireWriter.string(out, f.name(), MAX_TEXT, "fence name");
      out.appendLong(f.token());
    }
  }

  private static Fence fence(WireReader r) {
    return r.bool("fence") ? new Fence(r.string(MAX_NAME, "fence kind"), r.string(MAX_TEXT, "fence name"),
        r.i64("token")) : null;
  }

  // ---------------------------------------------------------------- replica messages

  /** A replica message with the changes it carries (one for a write, a chunk's for a chunk, none else). */
  record Replica(ReplicaMessage message, List<Change> changes) {}

  static Buffer encode(Replica m) {
    Buffer out = Buffer.buffer(64);
    ReplicaMessage msg = m.message();
    if (msg instanceof ReplicaMessage.Replicate w) {
      out.appendByte(REPLICATE).appendInt(w.partition()).appendLong(w.epoch()).appendLong(w.writeId())
          .appendLong(w.syncId());
      change(out, m.changes().get(0));
    } else if (msg instanceof ReplicaMessage.SyncBegin b) {
      out.appendByte(SYNC_BEGIN).appendInt(b.partition()).appendLong(b.epoch()).appendLong(b.syncId());
    } else if (msg instanceof ReplicaMessage.SyncChunk c) {
      out.appendByte(SYNC_CHUNK).appendInt(c.partition()).appendLong(c.syncId()).appendInt(c.seq());
      out.appendInt(m.changes().size());
      for (Change ch : m.changes()) {
        change(out, ch);
      }
    } else {
      ReplicaMessage.SyncEnd e = (ReplicaMessage.SyncEnd) msg;
      out.appendByte(SYNC_END).appendInt(e.partition()).appendLong(e.syncId());
    }
    return out;
  }

  static Replica decodeReplica(Buffer in) {
    WireReader r = new WireReader(in);
    int kind = r.u8("kind");
    Replica m = switch (kind) {
      case REPLICATE -> {
        ReplicaMessage.Replicate w = new ReplicaMessage.Replicate(r.i32("partition"), r.i64("epoch"),
            r.i64("write id"), r.i64("sync id"));
        yield new Replica(w, List.of(change(r)));
      }
      case SYNC_BEGIN -> new Replica(new ReplicaMessage.SyncBegin(r.i32("partition"), r.i64("epoch"),
          r.i64("sync id")), List.of());
      case SYNC_CHUNK -> {
        ReplicaMessage.SyncChunk c = new ReplicaMessage.SyncChunk(r.i32("partition"), r.i64("sync id"), r.i32("seq"));
        int n = r.i32("changes");
        if (n < 0 || n > r.remaining() / 8) {
          throw new CodecException("changes: " + n + " do not fit");
        }
        List<Change> changes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          changes.add(change(r));
        }
        yield new Replica(c, changes);
      }
      case SYNC_END -> new Replica(new ReplicaMessage.SyncEnd(r.i32("partition"), r.i64("sync id")), List.of());
      default -> throw new CodecException("not a cache message: kind " + kind);
    };
    r.expectEnd("replica message");
    return m;
  }

  static void change(Buffer out, Change c) {
    WireWriter.string(out, c.cache(), MAX_NAME, "cache");
    WireWriter.string(out, c.key(), MAX_KEY, "key");
    out.appendLong(c.version());
    WireWriter.bool(out, !c.deleted());
    if (!c.deleted()) {
      entryBody(out, c.entry());
    }
  }

  static Change change(WireReader r) {
    String cache = r.string(MAX_NAME, "cache");
    String key = r.string(MAX_KEY, "key");
    long version = r.i64("version");
    if (!r.bool("present")) {
      return Change.delete(cache, key, version);
    }
    return Change.put(cache, entryBody(r, key, version));
  }

  /** An entry's value, content type and expiry (its key and version travel beside it). */
  static void entryBody(Buffer out, Entry e) {
    WireWriter.bytes(out, e.value(), MAX_VALUE, "value");
    WireWriter.string(out, e.contentType(), MAX_TEXT, "content type");
    out.appendLong(e.expiresAt() == null ? -1 : e.expiresAt().toEpochMilli());
  }

  static Entry entryBody(WireReader r, String key, long version) {
    byte[] value = r.bytes(MAX_VALUE, "value");
    String contentType = r.string(MAX_TEXT, "content type");
    long expires = r.i64("expires at");
    return new Entry(key, value, contentType, version, expires == -1 ? null : Instant.ofEpochMilli(expires));
  }

  /** An entry with its key and version, for answers. */
  static void entry(Buffer out, Entry e) {
    WireWriter.string(out, e.key(), MAX_KEY, "key");
    out.appendLong(e.version());
    entryBody(out, e);
  }

  static Entry entry(WireReader r) {
    String key = r.string(MAX_KEY, "key");
    return entryBody(r, key, r.i64("version"));
  }

  // ---------------------------------------------------------------- replies

  /** The status of a reply, by name, for log lines. */
  static String statusName(Buffer reply) {
    if (reply.length() == 0) {
      return "empty";
    }
    return switch (reply.getByte(0)) {
      case OK -> "ok";
      case NOT_OWNER -> "not-owner";
      case NO_LEASE -> "no-lease";
      case RETRY -> "retry";
      case FAILURE -> "failure";
      case REJECTED -> "rejected";
      default -> "status " + reply.getByte(0);
    };
  }

  static Buffer ok() {
    return Buffer.buffer(1).appendByte(OK);
  }

  static Buffer notOwner(long epoch) {
    return Buffer.buffer(9).appendByte(NOT_OWNER).appendLong(epoch);
  }

  static Buffer noLease() {
    return Buffer.buffer(1).appendByte(NO_LEASE);
  }

  static Buffer retry() {
    return Buffer.buffer(1).appendByte(RETRY);
  }

  static Buffer rejected(long epoch) {
    return Buffer.buffer(9).appendByte(REJECTED).appendLong(epoch);
  }

  static Buffer failure(CacheFailure f) {
    Buffer out = Buffer.buffer(64).appendByte(FAILURE).appendByte((byte) f.reason().ordinal());
    WireWriter.string(out, truncate(String.valueOf(f.getMessage())), MAX_TEXT, "message");
    return out.appendLong(f.highestToken());
  }

  static CacheFailure failure(WireReader r) {
    int reason = r.u8("reason");
    CacheFailure.Reason[] all = CacheFailure.Reason.values();
    if (reason >= all.length) {
      throw new CodecException("failure reason " + reason);
    }
    return CacheFailure.of(all[reason], r.string(MAX_TEXT, "message"), r.i64("highest token"));
  }

  private static String truncate(String s) {
    return s.length() > 8_000 ? s.substring(0, 8_000) : s;
  }
}
