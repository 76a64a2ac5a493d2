package io.cairn.membership.swim;

import io.cairn.membership.MemberEvent;
import java.util.List;

/**
 * What the core owes the world after its last inputs: messages to send (in order), changes of
 * the view to publish, and whether the shell should resolve the seeds again (DNS).
 */
public record SwimEffects(List<Outbound> send, List<MemberEvent> events, boolean resolveSeeds) {
  public static final SwimEffects NONE = new SwimEffects(List.of(), List.of(), false);

  public SwimEffects {
    send = List.copyOf(send);
    events = List.copyOf(events);
  }

  public boolean isEmpty() {
    return send.isEmpty() && events.isEmpty() && !resolveSeeds;
  }
}
