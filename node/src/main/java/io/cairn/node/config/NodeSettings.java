package io.cairn.node.config;

import io.cairn.membership.NodeId;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who this node is, as the cluster and the operator see it.
 *
 * @param id the node's name in the cluster, in logs and in the {@code node} tag of every metric
 *     (a {@link NodeId}); it must stay the same across restarts of one node and differ between
 *     nodes
 * @param zone the failure domain it runs in (a Kubernetes zone, a rack); empty when unknown
 * @param roles what it does, announced to the cluster with its metadata; sorted
 */
public record NodeSettings(String id, String zone, Set<String> roles) {
  /** A role, a zone: like a node id. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  static final int MAX_ID = 63;

  public NodeSettings {
    Check.that(NodeId.isValid(id), "node.id",
        "must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
            + (id == null ? "nothing" : Values.quote(id)));
    zone = zone == null ? "" : zone;
    Check.that(zone.isEmpty() || NAME.matcher(zone).matches(), "node.zone",
        "must be empty or 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
            + Values.quote(zone));
    roles = roles == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(roles));
    for (String role : roles) {
      Check.that(role != null && NAME.matcher(role).matches(), "node.roles",
          "each role must be 1 to 63 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, got "
              + (role == null ? "nothing" : Values.quote(role)));
    }
  }

  public NodeSettings(String id) {
    this(id, "", Set.of());
  }

  /** A node id made from a host name: the host name itself when it is a valid id, else "cairn". */
  public static String idFromHostName(String hostName) {
    if (hostName == null) {
      return "cairn";
    }
    String h = hostName.strip();
    if (h.length() > MAX_ID) {
      h = h.substring(0, MAX_ID);
    }
    return NodeId.isValid(h) ? h : "cairn";
  }

  public NodeId nodeId() {
    return NodeId.of(id);
  }
}
