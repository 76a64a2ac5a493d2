package io.cairn.membership.testing;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A test double for the API and node tests (the real membership has its own tests): a
 * {@link Membership} whose view and events the test sets: {@link #put} changes a member and
 * tells every subscriber, on the calling thread, as a real membership may.
 */
public final class FakeMembership implements Membership {
  private final NodeId self;
  private final Map<NodeId, Member> members = new ConcurrentSkipListMap<>();
  private final Map<NodeId, Double> phi = new ConcurrentHashMap<>();
  private final List<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean joined = true;
  private volatile boolean left;

  public FakeMembership(String self) {
    this.self = NodeId.of(self);
    members.put(this.self, member(self, MemberStatus.ALIVE, 1));
  }

  /** A member at {@code 10.0.0.x:7071} with some metadata. */
  public static Member member(String id, MemberStatus status, long incarnation) {
    return new Member(NodeId.of(id), status, incarnation, new MemberMetadata(
        new Address("10.0.0." + (Math.abs(id.hashCode()) % 250 + 1), 7071), "http://" + id + ":7070", "zone-a",
        Set.of("voter", "cache"), "0.1.0"));
  }

  /** Sets the member and tells the subscribers with an event of {@code kind}. */
  public void put(MemberEvent.Kind kind, Member member) {
    Member before = members.put(member.id(), member);
    MemberEvent event = new MemberEvent(kind, member, before == null ? null : before.status());
    for (Consumer<MemberEvent> l : listeners) {
      l.accept(event);
    }
  }

  /** Sets {@code id} to {@code status} at incarnation 0 and tells the subscribers. */
  public void event(MemberEvent.Kind kind, String id, MemberStatus status) {
    put(kind, member(id, status, 0));
  }

  /** Sets the member without an event. */
  public void set(Member member) {
    members.put(member.id(), member);
  }

  public void phi(String id, Double value) {
    if (value == null) {
      phi.remove(NodeId.of(id));
    } else {
      phi.put(NodeId.of(id), value);
    }
  }

  public void joined(boolean joined) {
    this.joined = joined;
  }

  public int subscribers() {
    return listeners.size();
  }

  public boolean hasLeft() {
    return left;
  }

  @Override
  public Member local() {
    return members.get(self);
  }

  @Override
  public List<Member> members() {
    return List.copyOf(members.values());
  }

  @Override
  public Optional<Member> member(NodeId id) {
    return Optional.ofNullable(members.get(id));
  }

  @Override
  public OptionalDouble phi(NodeId id) {
    Double v = phi.get(id);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  @Override
  public boolean joined() {
    return joined;
  }

  @Override
  public Runnable subscribe(Consumer<MemberEvent> listener) {
    // a wrapper per subscription, so that one listener subscribed twice unsubscribes once
    Consumer<MemberEvent> handle = listener::accept;
    listeners.add(handle);
    return () -> listeners.remove(handle);
  }

  @Override
  public Future<Void> leave() {
    left = true;
    return Future.succeededFuture();
  }
}
