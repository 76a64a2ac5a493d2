package io.cairn.node;

import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A group of one: this node, alive, joined at once, with no peers. It stands in for the SWIM
 * membership until that is wired in; leaving marks the node LEFT.
 */
final class LocalMembership implements Membership {
  private final List<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
  private final boolean joined;
  private volatile Member self;

  /** @param joined false when the node was given seeds: a group of one cannot join them */
  LocalMembership(NodeId id, MemberMetadata metadata, boolean joined) {
    this.self = new Member(id, MemberStatus.ALIVE, 0, metadata);
    this.joined = joined;
  }

  @Override
  public Member local() {
    return self;
  }

  @Override
  public List<Member> members() {
    return List.of(self);
  }

  @Override
  public Optional<Member> member(NodeId id) {
    return self.id().equals(id) ? Optional.of(self) : Optional.empty();
  }

  @Override
  public OptionalDouble phi(NodeId id) {
    return OptionalDouble.empty();
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
  public synchronized Future<Void> leave() {
    if (self.status() != MemberStatus.LEFT) {
      Member before = self;
      self = before.with(MemberStatus.LEFT, before.incarnation());
      MemberEvent event = new MemberEvent(MemberEvent.Kind.LEFT, self, before.status());
      listeners.forEach(l -> l.accept(event));
    }
    return Future.succeededFuture();
  }
}
