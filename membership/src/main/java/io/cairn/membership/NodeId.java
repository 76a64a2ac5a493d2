package io.cairn.membership;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of a node: 1 to 63 characters of letters, digits, '.', '_' and '-', starting with a
 * letter or digit (a Kubernetes pod name fits). Compared by value.
 */
public record NodeId(String value) implements Comparable<NodeId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  public NodeId {
    Objects.requireNonNull(value, "value");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "a node id is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit: '"
              + value + "'");
    }
  }

  public static NodeId of(String value) {
    return new NodeId(value);
  }

  public static boolean isValid(String value) {
    return value != null && VALID.matcher(value).matches();
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
