package io.cairn.coordination.machine;

import java.util.List;
import java.util.Objects;

/**
 * A command to {@link Primitives} (the logical clock, sessions, fenced locks, elections,
 * semaphores), proposed through Raft as {@link #encode() bytes}. Construction checks only shape
 * (no nulls); every limit (TTLs, names, values, lock delays, permits, ids) is checked where the
 * command is applied, so that every replica gives the same {@link PrimitiveResult.Invalid} for the
 * same bytes whatever version proposed them.
 *
 * <pre>
 * command = u8 format (1), u8 kind, fields of the kind
 * kind    = 1 Tick:          i64 elapsed millis
 *           2 CreateSession: i64 ttl millis
 *           3 KeepAlive:     u32 count, count × i64 session id
 *           4 CloseSession:  i64 session id
 *           5 Acquire:       string lock, i64 session id, u8 queue if busy (0|1), i64 lock delay millis
 *           6 Release:       string lock, i64 session id, i64 fencing token
 *           7 CancelWait:    string lock, i64 session id
 *           8 Campaign:      string election, i64 session id, string value
 *           9 Proclaim:      string election, i64 session id, i64 leader token, string value
 *           10 Resign:       string election, i64 session id, i64 leader token (0: withdraw a candidacy)
 *           11 AcquirePermits: string semaphore, i64 session id, i32 permits, i32 limit, u8 queue if busy
 *           12 ReleasePermits: string semaphore, i64 session id, i32 permits
 *           13 CancelPermits:  string semaphore, i64 session id
 * string  = u32 length, that many bytes of UTF-8
 * </pre>
 */
public sealed interface PrimitiveCommand {
  /** The first byte of every encoded command. */
  int FORMAT = 1;

  enum Kind { TICK, CREATE_SESSION, KEEP_ALIVE, CLOSE_SESSION, ACQUIRE, RELEASE, CANCEL_WAIT, CAMPAIGN, PROCLAIM, RESIGN,
    ACQUIRE_PERMITS, RELEASE_PERMITS, CANCEL_PERMITS
  }

  Kind kind();

  /** The command as proposed to Raft; throws IllegalArgumentException for an unpaired surrogate. */
  byte[] encode();

  /**
   * Decodes {@link #encode()}'s bytes; throws {@link IllegalArgumentException} for anything else
   * (truncated, trailing bytes, an unknown format or kind, a flag other than 0 or 1, bad UTF-8).
   */
  static PrimitiveCommand decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int format = in.u8("command format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("primitive command format " + format + ", this node knows " + FORMAT);
    }
    int kind = in.u8("command kind");
    PrimitiveCommand c = switch (kind) {
      case 1 -> new Tick(in.i64("elapsed millis"));
      case 2 -> new CreateSession(in.i64("ttl millis"));
      case 3 -> {
        int n = in.count(8, "keepalive count");
        Long[] ids = new Long[n];
        for (int i = 0; i < n; i++) {
          ids[i] = in.i64("session id");
        }
        yield new KeepAlive(List.of(ids));
      }
      case 4 -> new CloseSession(in.i64("session id"));
      case 5 -> new Acquire(in.string("lock"), in.i64("session id"), flag(in, "queue if busy"),
          in.i64("lock delay millis"));
      case 6 -> new Release(in.string("lock"), in.i64("session id"), in.i64("fencing token"));
      case 7 -> new CancelWait(in.string("lock"), in.i64("session id"));
      case 8 -> new Campaign(in.string("election"), in.i64("session id"), in.string("value"));
      case 9 -> new Proclaim(in.string("election"), in.i64("session id"), in.i64("leader token"), in.string("value"));
      case 10 -> new Resign(in.string("election"), in.i64("session id"), in.i64("leader token"));
      case 11 -> new AcquirePermits(in.string("semaphore"), in.i64("session id"), in.i32("permits"),
          in.i32("limit"), flag(in, "queue if busy"));
      case 12 -> new ReleasePermits(in.string("semaphore"), in.i64("session id"), in.i32("permits"));
      case 13 -> new CancelPermits(in.string("semaphore"), in.i64("session id"));
      default -> throw new IllegalArgumentException("unknown primitive command kind " + kind);
    };
    in.expectEnd("primitive command");
    return c;
  }

  private static boolean flag(ByteReader in, String what) {
    int v = in.u8(what);
    if (v > 1) {
      throw new IllegalArgumentException(what + ": 0 or 1, not " + v);
    }
    return v == 1;
  }

  /**
   * The logical clock moves on by {@code elapsedMillis}, measured by the leader on its monotonic
   * clock since its own previous tick in the same term (0 for the first tick of a term); sessions
   * whose deadline has come expire.
   */
  record Tick(long elapsedMillis) implements PrimitiveCommand {
    @Override
    public Kind kind() {
      return Kind.TICK;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(1).i64(elapsedMillis).toByteArray();
    }
  }

  /** Opens a session that lives {@code ttlMillis} of logical time unless kept alive. */
  record CreateSession(long ttlMillis) implements PrimitiveCommand {
    @Override
    public Kind kind() {
      return Kind.CREATE_SESSION;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(2).i64(ttlMillis).toByteArray();
    }
  }

  /** Renews each session in {@code sessionIds} (a batch the leader gathered) for its full TTL. */
  record KeepAlive(List<Long> sessionIds) implements PrimitiveCommand {
    public KeepAlive {
      sessionIds = List.copyOf(sessionIds);
    }

    @Override
    public Kind kind() {
      return Kind.KEEP_ALIVE;
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(6 + 8 * sessionIds.size()).u8(FORMAT).u8(3).i32(sessionIds.size());
      for (long id : sessionIds) {
        out.i64(id);
      }
      return out.toByteArray();
    }
  }

  /** Ends a session cleanly: its locks are released (no lock delay) and its waits cancelled. */
  record CloseSession(long sessionId) implements PrimitiveCommand {
    @Override
    public Kind kind() {
      return Kind.CLOSE_SESSION;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(4).i64(sessionId).toByteArray();
    }
  }

  /**
   * Takes lock {@code lock} for session {@code sessionId}: granted if free (or already held by this
   * session: reentrant), else queued FIFO if {@code queueIfBusy}, else refused. {@code
   * lockDelayMillis} (0 for none): if this session later EXPIRES while holding the lock, the lock
   * stays unavailable that long, so a holder that was cut off has time to notice.
   */
  record Acquire(String lock, long sessionId, boolean queueIfBusy, long lockDelayMillis)
      implements PrimitiveCommand {
    public Acquire {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public Kind kind() {
      return Kind.ACQUIRE;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + lock.length() + 17).u8(FORMAT).u8(5).string(lock).i64(sessionId)
          .u8(queueIfBusy ? 1 : 0).i64(lockDelayMillis).toByteArray();
    }
  }

  /** Releases one hold of lock {@code lock}; only its holder, with the current token, may. */
  record Release(String lock, long sessionId, long token) implements PrimitiveCommand {
    public Release {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public Kind kind() {
      return Kind.RELEASE;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + lock.length() + 16).u8(FORMAT).u8(6).string(lock).i64(sessionId).i64(token)
          .toByteArray();
    }
  }

  /** Takes session {@code sessionId} out of lock {@code lock}'s queue (its long poll gave up). */
  record CancelWait(String lock, long sessionId) implements PrimitiveCommand {
    public CancelWait {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public Kind kind() {
      return Kind.CANCEL_WAIT;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + lock.length() + 8).u8(FORMAT).u8(7).string(lock).i64(sessionId).toByteArray();
    }
  }

  /**
   * Session {@code sessionId} stands in election {@code election} with {@code value} (an address,
   * say): candidates queue FIFO and the first is the leader.
   */
  record Campaign(String election, long sessionId, String value) implements PrimitiveCommand {
    public Campaign {
      Objects.requireNonNull(election, "election");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Kind kind() {
      return Kind.CAMPAIGN;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 8 + election.length() + value.length() + 8).u8(FORMAT).u8(8).string(election)
          .i64(sessionId).string(value).toByteArray();
    }
  }

  /** The leader (with its current token) publishes a new {@code value}. */
  record Proclaim(String election, long sessionId, long token, String value) implements PrimitiveCommand {
    public Proclaim {
      Objects.requireNonNull(election, "election");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Kind kind() {
      return Kind.PROCLAIM;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 8 + election.length() + value.length() + 16).u8(FORMAT).u8(9).string(election)
          .i64(sessionId).i64(token).string(value).toByteArray();
    }
  }

  /**
   * The leader (with its current token) steps down and the next candidate leads; with token 0, a
   * candidate that is not leading withdraws.
   */
  record Resign(String election, long sessionId, long token) implements PrimitiveCommand {
    public Resign {
      Objects.requireNonNull(election, "election");
    }

    @Override
    public Kind kind() {
      return Kind.RESIGN;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + election.length() + 16).u8(FORMAT).u8(10).string(election).i64(sessionId)
          .i64(token).toByteArray();
    }
  }

  /**
   * Session {@code sessionId} takes {@code permits} more of semaphore {@code semaphore}, which has
   * {@code limit} permits in all (every acquire states it; the first one sets it): granted if that
   * many are free and nobody waits, else queued FIFO if {@code queueIfBusy}, else refused.
   */
  record AcquirePermits(String semaphore, long sessionId, int permits, int limit, boolean queueIfBusy)
      implements PrimitiveCommand {
    public AcquirePermits {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public Kind kind() {
      return Kind.ACQUIRE_PERMITS;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + semaphore.length() + 17).u8(FORMAT).u8(11).string(semaphore).i64(sessionId)
          .i32(permits).i32(limit).u8(queueIfBusy ? 1 : 0).toByteArray();
    }
  }

  /** Session {@code sessionId} gives back {@code permits} of the permits it holds. */
  record ReleasePermits(String semaphore, long sessionId, int permits) implements PrimitiveCommand {
    public ReleasePermits {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public Kind kind() {
      return Kind.RELEASE_PERMITS;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + semaphore.length() + 12).u8(FORMAT).u8(12).string(semaphore).i64(sessionId)
          .i32(permits).toByteArray();
    }
  }

  /** Takes session {@code sessionId} out of semaphore {@code semaphore}'s queue. */
  record CancelPermits(String semaphore, long sessionId) implements PrimitiveCommand {
    public CancelPermits {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public Kind kind() {
      return Kind.CANCEL_PERMITS;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + semaphore.length() + 8).u8(FORMAT).u8(13).string(semaphore).i64(sessionId)
          .toByteArray();
    }
  }
}
