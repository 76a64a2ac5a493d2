package io.cairn.membership.transport;

/**
 * The protocols that share one transport. The code travels in every frame; it never changes
 * once released, and a code this node does not know is dropped and counted, never a crash.
 */
public enum Channel {
  MEMBERSHIP(1),
  RAFT(2),
  REPLICATION(3);

  private static final Channel[] BY_CODE = new Channel[256];

  static {
    for (Channel c : values()) {
      BY_CODE[c.code] = c;
    }
  }

  private final int code;

  Channel(int code) {
    this.code = code;
  }

  /** The code on the wire, 1 to 255. */
  public int code() {
    return code;
  }

  /** The channel with this code, or null when there is none (a newer peer, or garbage). */
  public static Channel fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** The value of the {@code channel} tag of the transport's metrics. */
  String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
