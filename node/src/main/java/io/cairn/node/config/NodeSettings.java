package io.cairn.node.config;

import java.util.regex.Pattern;

/**
 * Who this node is.
 *
 * @param id the node's name in logs and in the {@code node} tag of every metric; it must stay
 *     the same across restarts of one node and differ between nodes
 */
public record NodeSettings(String id) {
  static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public NodeSettings {
    Check.that(id != null && ID.matcher(id).matches(), "node.id",
        "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
            + (id == null ? "nothing" : Values.quote(id)));
  }

  /** A node id made from a host name: the host name itself when it is a valid id, else "cairn". */
  public static String idFromHostName(String hostName) {
    if (hostName == null) {
      return "cairn";
    }
    String h = hostName.strip();
    if (h.length() > 128) {
      h = h.substring(0, 128);
    }
    return ID.matcher(h).matches() ? h : "cairn";
  }
}
