package io.cairn.node;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A {@link Membership} whose members, phi values and events the test sets. */
public final class TestMembership implements Membership {
  private final NodeId self;
  private final Map<NodeId, Member> members = new ConcurrentSkipListMap<>();
  private final Map<NodeId, Double> phi = new ConcurrentHashMap<>();
  private final List<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean joined = true;

  public TestMembership(String self) {
    this.self = NodeId.of(self);
    members.put(this.self, member(self, MemberStatus.ALIVE));
  }

  public static Member member(String id, MemberStatus status) {
    return new Member(NodeId.of(id), status, 0, MemberMetadata.of(new Address(id, 7071)));
  }

  /** Sets the member and tells the subscribers. */
  public void event(MemberEvent.Kind kind, String id, MemberStatus status) {
    Member before = members.put(NodeId.of(id), member(id, status));
    MemberEvent e = new MemberEvent(kind, members.get(NodeId.of(id)), before == null ? null : before.status());
    listeners.forEach(l -> l.accept(e));
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
    Consumer<MemberEvent> handle = listener::accept;
    listeners.add(handle);
    return () -> listeners.remove(handle);
  }

  @Override
  public Future<Void> leave() {
    return Future.succeededFuture();
  }
}
