package io.cairn.cache;

import java.util.Objects;

/**
 * A write's fence: the lock or election whose fencing token it carries ({@code Cairn-Fence:
 * lock=<name>}, {@code Cairn-Fencing-Token: <token>}). The partition's owner refuses it when it has
 * seen a greater token for that fence in that cache, or when the token is no longer the current
 * holder's.
 *
 * @param kind {@code lock} or {@code election}
 */
public record Fence(String kind, String name, long token) {
  public Fence {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  /** As the header says it: {@code lock=<name>}. */
  public String label() {
    return kind + "=" + name;
  }
}
