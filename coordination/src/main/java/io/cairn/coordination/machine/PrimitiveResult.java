package io.cairn.coordination.machine;

import java.util.List;
import java.util.Objects;

/**
 * What applying a {@link PrimitiveCommand} produced, returned to the proposer as {@link #encode()
 * bytes}. Every outcome is a value, never an exception. Suggested HTTP mapping in brackets.
 *
 * <pre>
 * result  = u8 format (1), u8 kind, fields of the kind
 * kind    = 1 Ticked: i64 now                    2 SessionCreated: i64 id, i64 ttl
 *           3 KeptAlive: u32 count, renewals     4 SessionClosed: i64 id
 *           5 NoSession: i64 id                  6 Granted: i64 token, i32 count
 *           7 Queued: i32 position               8 Busy: i64 holder session, i64 token
 *           9 Delayed: i64 remaining millis      10 Released: i32 remaining count
 *           11 Conflict: i64 holder session, i64 token (0, 0: nobody holds it)
 *           12 Cancelled                         13 NotWaiting: i64 held token (0: not held)
 *           14 Invalid: u32 length, UTF-8 reason
 *           15 Elected: i64 token                16 Proclaimed: i64 revision
 *           17 Resigned                          18 PermitsGranted: i32 held
 *           19 NoPermits: i32 available, i32 limit 20 PermitsReleased: i32 held
 *           21 NotHeld: i32 held
 * renewal = i64 id, u8 alive (0|1), i64 ttl (0 when not alive)
 * </pre>
 */
public sealed interface PrimitiveResult {
  /** The first byte of every encoded result. */
  int FORMAT = 1;

  enum Kind {
    TICKED, SESSION_CREATED, KEPT_ALIVE, SESSION_CLOSED, NO_SESSION, GRANTED, QUEUED, BUSY, DELAYED,
    RELEASED, CONFLICT, CANCELLED, NOT_WAITING, INVALID, ELECTED, PROCLAIMED, RESIGNED,
    PERMITS_GRANTED, NO_PERMITS, PERMITS_RELEASED, NOT_HELD
  }

  Kind kind();

  byte[] encode();

  /** Decodes {@link #encode()}'s bytes; throws {@link IllegalArgumentException} for anything else. */
  static PrimitiveResult decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int format = in.u8("result format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("primitive result format " + format + ", this node knows " + FORMAT);
    }
    int kind = in.u8("result kind");
    PrimitiveResult r = switch (kind) {
      case 1 -> new Ticked(in.i64("now"));
      case 2 -> new SessionCreated(in.i64("id"), in.i64("ttl"));
      case 3 -> {
        int n = in.count(17, "renewal count");
        Renewal[] renewals = new Renewal[n];
        for (int i = 0; i < n; i++) {
          long id = in.i64("id");
          int alive = in.u8("alive");
          if (alive > 1) {
            throw new IllegalArgumentException("alive: 0 or 1, not " + alive);
          }
          renewals[i] = new Renewal(id, alive == 1, in.i64("ttl"));
        }
        yield new KeptAlive(List.of(renewals));
      }
      case 4 -> new SessionClosed(in.i64("id"));
      case 5 -> new NoSession(in.i64("id"));
      case 6 -> new Granted(in.i64("token"), in.i32("count"));
      case 7 -> new Queued(in.i32("position"));
      case 8 -> new Busy(in.i64("holder"), in.i64("token"));
      case 9 -> new Delayed(in.i64("remaining millis"));
      case 10 -> new Released(in.i32("remaining count"));
      case 11 -> new Conflict(in.i64("holder"), in.i64("token"));
      case 12 -> new Cancelled();
      case 13 -> new NotWaiting(in.i64("held token"));
      case 14 -> new Invalid(in.string("reason"));
      case 15 -> new Elected(in.i64("token"));
      case 16 -> new Proclaimed(in.i64("revision"));
      case 17 -> new Resigned();
      case 18 -> new PermitsGranted(in.i32("held"));
      case 19 -> new NoPermits(in.i32("available"), in.i32("limit"));
      case 20 -> new PermitsReleased(in.i32("held"));
      case 21 -> new NotHeld(in.i32("held"));
      default -> throw new IllegalArgumentException("unknown primitive result kind " + kind);
    };
    in.expectEnd("primitive result");
    return r;
  }

  /** The clock moved to {@code now} (logical millis); expiries, if any, are events. */
  record Ticked(long now) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.TICKED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(1).i64(now).toByteArray();
    }
  }

  /** A new session [201]: {@code id} is the log index of its creation. */
  record SessionCreated(long id, long ttlMillis) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.SESSION_CREATED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(18).u8(FORMAT).u8(2).i64(id).i64(ttlMillis).toByteArray();
    }
  }

  /** One session of a keepalive batch: alive with its full TTL again, or not live [404]. */
  record Renewal(long id, boolean alive, long ttlMillis) {
    public Renewal {
      if (!alive && ttlMillis != 0) {
        throw new IllegalArgumentException("a session that is not alive has no TTL: " + ttlMillis);
      }
    }
  }

  /** The batch's answers, in the batch's order. */
  record KeptAlive(List<Renewal> renewals) implements PrimitiveResult {
    public KeptAlive {
      renewals = List.copyOf(renewals);
    }

    @Override
    public Kind kind() {
      return Kind.KEPT_ALIVE;
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(6 + 17 * renewals.size()).u8(FORMAT).u8(3).i32(renewals.size());
      for (Renewal r : renewals) {
        out.i64(r.id()).u8(r.alive() ? 1 : 0).i64(r.ttlMillis());
      }
      return out.toByteArray();
    }
  }

  /** The session ended cleanly; what it held was released [204]. */
  record SessionClosed(long id) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.SESSION_CLOSED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(4).i64(id).toByteArray();
    }
  }

  /**
   * No live session has this id [404]: it never existed, expired or was closed. Ended sessions are
   * not remembered (as etcd's leases are not), so these cases are one answer.
   */
  record NoSession(long id) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.NO_SESSION;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(5).i64(id).toByteArray();
    }
  }

  /**
   * The session holds the lock [200] with fencing token {@code token}; {@code count} is how many
   * times it holds it (1 for a new grant, more for a reentrant acquire with the same token).
   */
  record Granted(long token, int count) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.GRANTED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(14).u8(FORMAT).u8(6).i64(token).i32(count).toByteArray();
    }
  }

  /**
   * The session waits [202] at {@code position} (1 is next) in the lock's FIFO queue; the grant
   * comes as a {@link PrimitiveEvent.LockGranted} event.
   */
  record Queued(int position) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.QUEUED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6).u8(FORMAT).u8(7).i32(position).toByteArray();
    }
  }

  /** Another session holds the lock (or others wait for it) and the caller would not queue [409]. */
  record Busy(long holderSession, long token) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.BUSY;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(18).u8(FORMAT).u8(8).i64(holderSession).i64(token).toByteArray();
    }
  }

  /**
   * The lock's last holder expired and its lock delay has {@code remainingMillis} of logical time
   * to run; the caller would not queue [409 + Retry-After].
   */
  record Delayed(long remainingMillis) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.DELAYED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(9).i64(remainingMillis).toByteArray();
    }
  }

  /** One hold was released; at 0 the lock passed on (to a waiter, as an event) or became free. */
  record Released(int remainingCount) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.RELEASED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6).u8(FORMAT).u8(10).i32(remainingCount).toByteArray();
    }
  }

  /**
   * A release by a session that does not hold the lock, or with a stale token [409]: nothing
   * changed. {@code holderSession} and {@code token} say who holds it now (0 and 0: nobody).
   */
  record Conflict(long holderSession, long token) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.CONFLICT;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(18).u8(FORMAT).u8(11).i64(holderSession).i64(token).toByteArray();
    }
  }

  /** The session no longer waits for the lock. */
  record Cancelled() implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.CANCELLED;
    }

    @Override
    public byte[] encode() {
      return new byte[] {FORMAT, 12};
    }
  }

  /**
   * The session was not waiting for the lock. {@code heldToken} is its token if it holds the lock
   * (the grant won the race against the cancel: the caller should use or release it), else 0.
   */
  record NotWaiting(long heldToken) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.NOT_WAITING;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(13).i64(heldToken).toByteArray();
    }
  }

  /** A malformed or out-of-limits command [400]; nothing changed. */
  record Invalid(String reason) implements PrimitiveResult {
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public Kind kind() {
      return Kind.INVALID;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6 + reason.length()).u8(FORMAT).u8(14).string(reason).toByteArray();
    }
  }

  /**
   * The campaigning session leads the election [200] with fencing token {@code token}, the log
   * index at which it became leader (a campaign by the leader answers this again).
   */
  record Elected(long token) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.ELECTED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(15).i64(token).toByteArray();
    }
  }

  /** The leader's new value is published at {@code revision} (this command's index). */
  record Proclaimed(long revision) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.PROCLAIMED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(16).i64(revision).toByteArray();
    }
  }

  /** The leader stepped down; the next candidate, if any, leads (an event). */
  record Resigned() implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.RESIGNED;
    }

    @Override
    public byte[] encode() {
      return new byte[] {FORMAT, 17};
    }
  }

  /** The permits were granted [200]; the session now holds {@code held} of the semaphore. */
  record PermitsGranted(int held) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.PERMITS_GRANTED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6).u8(FORMAT).u8(18).i32(held).toByteArray();
    }
  }

  /**
   * Too few permits are free (or others wait first) and the caller would not queue [409]: {@code
   * available} of {@code limit} are free.
   */
  record NoPermits(int available, int limit) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.NO_PERMITS;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(19).i32(available).i32(limit).toByteArray();
    }
  }

  /** The permits were given back; the session still holds {@code held}. */
  record PermitsReleased(int held) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.PERMITS_RELEASED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6).u8(FORMAT).u8(20).i32(held).toByteArray();
    }
  }

  /** A release of more permits than the session holds ({@code held}) [409]: nothing changed. */
  record NotHeld(int held) implements PrimitiveResult {
    @Override
    public Kind kind() {
      return Kind.NOT_HELD;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6).u8(FORMAT).u8(21).i32(held).toByteArray();
    }
  }
}
