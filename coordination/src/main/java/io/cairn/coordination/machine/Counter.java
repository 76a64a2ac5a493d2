package io.cairn.coordination.machine;

import java.util.Objects;

/**
 * A counter as read: its value and version, the log index of the add that last changed it. A
 * counter never added to reads as 0 at version 0.
 */
public record Counter(String name, long value, long version) {
  public Counter {
    Objects.requireNonNull(name, "name");
  }
}
