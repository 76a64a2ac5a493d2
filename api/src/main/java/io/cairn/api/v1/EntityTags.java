package io.cairn.api.v1;

import io.cairn.cache.Precondition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Entity tags (RFC 9110 §8.8.3): a version is the strong tag {@code "<version>"}. The header
 * values given here have already passed the contract's pattern for {@code If-Match} /
 * {@code If-None-Match} ({@code *}, or a comma-separated list of {@code "..."} and
 * {@code W/"..."}), so they are well-formed.
 */
final class EntityTags {
  private EntityTags() {}

  static String of(long version) {
    return "\"" + version + "\"";
  }

  /**
   * The versions an {@code If-Match} names, for {@link Precondition}: {@link Precondition#ANY}
   * for {@code *}. If-Match uses the strong comparison, so a weak tag never matches and is left
   * out, as is a tag that is no version of ours (the set may end up empty: nothing matches).
   */
  static Set<Long> ifMatch(String header) {
    if (header.trim().equals("*")) {
      return Precondition.ANY;
    }
    Set<Long> versions = new HashSet<>();
    for (Tag tag : tags(header)) {
      if (!tag.weak() && tag.version() >= 0) {
        versions.add(tag.version());
      }
    }
    return versions;
  }

  /**
   * Whether an {@code If-None-Match} on a read names the current version ({@code *} names any):
   * the weak comparison, so {@code W/"7"} and {@code "7"} both name version 7.
   */
  static boolean noneMatchNames(String header, long version) {
    if (header.trim().equals("*")) {
      return true;
    }
    for (Tag tag : tags(header)) {
      if (tag.version() == version) {
        return true;
      }
    }
    return false;
  }

  /** One entity tag of a list; {@code version} is -1 when the tag is no version of ours. */
  private record Tag(boolean weak, long version) {}

  /** The tags of a comma-separated list of {@code "..."} and {@code W/"..."}. */
  private static List<Tag> tags(String header) {
    List<Tag> tags = new ArrayList<>();
    int i = 0;
    int n = header.length();
    while (i < n) {
      char c = header.charAt(i);
      if (c == ' ' || c == '\t' || c == ',') {
        i++;
        continue;
      }
      boolean weak = c == 'W';
      int open = weak ? i + 2 : i;
      int close = header.indexOf('"', open + 1);
      if (header.charAt(open) != '"' || close < 0) {
        throw new IllegalArgumentException("malformed entity tag list: " + header);
      }
      tags.add(new Tag(weak, version(header, open + 1, close)));
      i = close + 1;
    }
    return tags;
  }

  /** The version an opaque tag spells exactly (no sign, no leading zero), or -1. */
  private static long version(String s, int from, int to) {
    int length = to - from;
    if (length < 1 || length > 19 || (length > 1 && s.charAt(from) == '0')) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      int digit = c - '0';
      if (v > (Long.MAX_VALUE - digit) / 10) {
        return -1;
      }
      v = v * 10 + digit;
    }
    return v;
  }
}
