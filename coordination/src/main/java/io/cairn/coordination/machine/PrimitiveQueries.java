package io.cairn.coordination.machine;

import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.cairn.coordination.machine.Primitives.Changes;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.machine.Primitives.SessionView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads of {@link Primitives} as they travel to the leader and back.
 *
 * <pre>
 * query  = u8 kind, then: 1 session: i64 id | 2 lock: string | 3 election: string
 *          | 4 semaphore: string | 5 changes: string election, i64 after
 * answer = session:   u8 present, [i64 id, i64 ttl, i64 remaining]
 *          lock:      u8 present, [string, i64 holder, i64 token, i32 count, u32 n, n × i64 waiter,
 *                     i64 delay remaining]
 *          election:  u8 present, [string, i64 leader, i64 token, string value, i64 revision,
 *                     u32 n, n × i64 candidate]
 *          semaphore: u8 present, [string, i32 limit, i32 available, u32 n, n × (i64, i32) held,
 *                     u32 m, m × (i64, i32) waiting]
 *          changes:   u8 complete, u32 n, n × (i64 index, string, i64 leader, i64 token, string value)
 * </pre>
 */
public final class PrimitiveQueries {
  private static final int SESSION = 1;
  private static final int LOCK = 2;
  private static final int ELECTION = 3;
  private static final int SEMAPHORE = 4;
  private static final int CHANGES = 5;

  private PrimitiveQueries() {}

  public static byte[] session(long id) {
    return new ByteWriter(9).u8(SESSION).i64(id).toByteArray();
  }

  public static byte[] lock(String name) {
    return named(LOCK, name);
  }

  public static byte[] election(String name) {
    return named(ELECTION, name);
  }

  public static byte[] semaphore(String name) {
    return named(SEMAPHORE, name);
  }

  public static byte[] changes(String election, long after) {
    return new ByteWriter(16 + election.length()).u8(CHANGES).string(election).i64(after).toByteArray();
  }

  /** The election a {@link #changes} query names; IllegalArgumentException for another query. */
  public static String changesElection(byte[] query) {
    ByteReader in = new ByteReader(query);
    if (in.u8("query kind") != CHANGES) {
      throw new IllegalArgumentException("not a changes query");
    }
    return in.string("election");
  }

  private static byte[] named(int kind, String name) {
    return new ByteWriter(8 + name.length()).u8(kind).string(name).toByteArray();
  }

  /** Answers {@code query} from {@code m}; IllegalArgumentException for a malformed query. */
  public static byte[] answer(Primitives m, byte[] query) {
    ByteReader in = new ByteReader(query);
    int kind = in.u8("query kind");
    ByteWriter out = new ByteWriter(64);
    switch (kind) {
      case SESSION -> {
        long id = in.i64("session id");
        in.expectEnd("session query");
        Optional<SessionView> s = m.session(id);
        out.u8(s.isPresent() ? 1 : 0);
        s.ifPresent(v -> out.i64(v.id()).i64(v.ttlMillis()).i64(v.remainingMillis()));
      }
      case LOCK -> {
        Optional<LockView> l = m.lock(name(in));
        out.u8(l.isPresent() ? 1 : 0);
        l.ifPresent(v -> {
          out.string(v.name()).i64(v.holderSession()).i64(v.token()).i32(v.count()).i32(v.waiters().size());
          v.waiters().forEach(out::i64);
          out.i64(v.delayRemainingMillis());
        });
      }
      case ELECTION -> {
        Optional<ElectionView> e = m.election(name(in));
        out.u8(e.isPresent() ? 1 : 0);
        e.ifPresent(v -> {
          out.string(v.name()).i64(v.leaderSession()).i64(v.token()).string(v.value()).i64(v.revision())
              .i32(v.candidates().size());
          v.candidates().forEach(out::i64);
        });
      }
      case SEMAPHORE -> {
        Optional<SemaphoreView> s = m.semaphore(name(in));
        out.u8(s.isPresent() ? 1 : 0);
        s.ifPresent(v -> {
          out.string(v.name()).i32(v.limit()).i32(v.available());
          permits(out, v.holders());
          permits(out, v.waiters());
        });
      }
      case CHANGES -> {
        String election = in.string("election");
        long after = in.i64("after");
        in.expectEnd("changes query");
        Changes c = m.changes(election, after);
        out.u8(c.complete() ? 1 : 0).i32(c.changes().size());
        for (LeaderChanged lc : c.changes()) {
          out.i64(lc.index()).string(lc.election()).i64(lc.leaderSession()).i64(lc.token()).string(lc.value());
        }
      }
      default -> throw new IllegalArgumentException("unknown primitives query kind " + kind);
    }
    return out.toByteArray();
  }

  private static String name(ByteReader in) {
    String name = in.string("name");
    in.expectEnd("query");
    return name;
  }

  private static void permits(ByteWriter out, List<Permits> list) {
    out.i32(list.size());
    list.forEach(p -> out.i64(p.session()).i32(p.permits()));
  }

  private static List<Permits> permits(ByteReader in) {
    int n = in.count(12, "permits");
    List<Permits> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Permits(in.i64("session"), in.i32("permits")));
    }
    return out;
  }

  private static List<Long> ids(ByteReader in) {
    int n = in.count(8, "sessions");
    List<Long> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(in.i64("session"));
    }
    return out;
  }

  public static Optional<SessionView> sessionAnswer(byte[] answer) {
    ByteReader in = new ByteReader(answer);
    Optional<SessionView> v = in.u8("present") == 0 ? Optional.empty()
        : Optional.of(new SessionView(in.i64("id"), in.i64("ttl"), in.i64("remaining")));
    in.expectEnd("session answer");
    return v;
  }

  public static Optional<LockView> lockAnswer(byte[] answer) {
    ByteReader in = new ByteReader(answer);
    Optional<LockView> v = in.u8("present") == 0 ? Optional.empty()
        : Optional.of(new LockView(in.string("name"), in.i64("holder"), in.i64("token"), in.i32("count"), ids(in),
            in.i64("delay remaining")));
    in.expectEnd("lock answer");
    return v;
  }

  public static Optional<ElectionView> electionAnswer(byte[] answer) {
    ByteReader in = new ByteReader(answer);
    Optional<ElectionView> v = in.u8("present") == 0 ? Optional.empty()
        : Optional.of(new ElectionView(in.string("name"), in.i64("leader"), in.i64("token"), in.string("value"),
            in.i64("revision"), ids(in)));
    in.expectEnd("election answer");
    return v;
  }

  public static Optional<SemaphoreView> semaphoreAnswer(byte[] answer) {
    ByteReader in = new ByteReader(answer);
    Optional<SemaphoreView> v = in.u8("present") == 0 ? Optional.empty()
        : Optional.of(new SemaphoreView(in.string("name"), in.i32("limit"), in.i32("available"), permits(in),
            permits(in)));
    in.expectEnd("semaphore answer");
    return v;
  }

  public static Changes changesAnswer(byte[] answer) {
    ByteReader in = new ByteReader(answer);
    boolean complete = in.u8("complete") == 1;
    int n = in.count(8 + 4 + 8 + 8 + 4, "changes");
    List<LeaderChanged> changes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      changes.add(new LeaderChanged(in.i64("index"), in.string("election"), in.i64("leader"), in.i64("token"),
          in.string("value")));
    }
    in.expectEnd("changes answer");
    return new Changes(changes, complete);
  }
}
