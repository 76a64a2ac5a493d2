package io.cairn.coordination.machine;

import java.util.Objects;

/**
 * A register as read: its value and its version, the log index of the command that last wrote it
 * (the HTTP ETag).
 */
public record Register(String name, String value, long version) {
  public Register {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
