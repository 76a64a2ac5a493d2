package io.cairn.cache.cluster;

import io.cairn.membership.NodeId;
import java.util.Objects;

/** One replica of one partition: added as pending, or dropped. */
public record Move(int partition, NodeId node) {
  public Move {
    Objects.requireNonNull(node, "node");
  }
}
