package io.cairn.cache;

import java.util.Set;

/**
 * The conditions of a conditional write or delete, as HTTP's {@code If-Match} and
 * {@code If-None-Match: *} state them (RFC 9110 §13).
 *
 * @param ifMatch null when absent; {@link #ANY} for {@code If-Match: *}; otherwise the versions
 *     of which the current entry must have one
 * @param ifNoneMatchAny {@code If-None-Match: *}: the entry must not exist
 */
public record Precondition(Set<Long> ifMatch, boolean ifNoneMatchAny) {

  /**
   * Stands for {@code If-Match: *} (the entry must exist, whatever its version). Compared by
   * equality, so any {@code Set.of(-1L)} means the same: versions are always positive.
   */
  public static final Set<Long> ANY = Set.of(-1L);

  public static final Precondition NONE = new Precondition(null, false);

  public static Precondition ifMatch(long... versions) {
    Set<Long> set = new java.util.HashSet<>();
    for (long v : versions) {
      set.add(v);
    }
    return new Precondition(Set.copyOf(set), false);
  }

  public static Precondition ifNoneMatchStar() {
    return new Precondition(null, true);
  }

  /** Whether a write may proceed against the current entry (null when absent). */
  public boolean allows(Entry current) {
    if (ifMatch != null) {
      if (current == null) {
        return false;
      }
      if (!ANY.equals(ifMatch) && !ifMatch.contains(current.version())) {
        return false;
      }
    }
    return !(ifNoneMatchAny && current != null);
  }
}
