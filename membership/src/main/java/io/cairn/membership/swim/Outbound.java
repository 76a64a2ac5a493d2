package io.cairn.membership.swim;

import io.cairn.membership.Address;
import java.util.Objects;

/** A message the core wants sent to an address. */
public record Outbound(Address to, SwimMessage message) {
  public Outbound {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(message, "message");
  }
}
