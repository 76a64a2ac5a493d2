package io.cairn.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.Precondition;
import org.junit.jupiter.api.Test;

class EntityTagsTest {
  @Test
  void ifMatchNamesOnlyStrongTagsThatSpellAVersionExactly() {
    assertThat(EntityTags.ifMatch("*")).isSameAs(Precondition.ANY);
    assertThat(EntityTags.ifMatch("\"7\"")).containsExactly(7L);
    assertThat(EntityTags.ifMatch("\"7\", \"8\",W/\"9\"")).containsExactlyInAnyOrder(7L, 8L);
    assertThat(EntityTags.ifMatch(" ,\"0\",, \"12\" ,")).containsExactlyInAnyOrder(0L, 12L);
    assertThat(EntityTags.ifMatch("W/\"7\"")).isEmpty();
    assertThat(EntityTags.ifMatch("\"07\", \"-1\", \"\", \"7a\", \"a,7\"")).isEmpty();
    assertThat(EntityTags.ifMatch("\"9223372036854775807\"")).containsExactly(Long.MAX_VALUE);
    assertThat(EntityTags.ifMatch("\"9223372036854775808\", \"99999999999999999999\"")).isEmpty();
  }

  @Test
  void ifNoneMatchComparesWeakly() {
    assertThat(EntityTags.noneMatchNames("*", 3)).isTrue();
    assertThat(EntityTags.noneMatchNames("\"3\"", 3)).isTrue();
    assertThat(EntityTags.noneMatchNames("W/\"3\"", 3)).isTrue();
    assertThat(EntityTags.noneMatchNames("\"1\", \"2\"", 3)).isFalse();
    assertThat(EntityTags.noneMatchNames("\"03\"", 3)).isFalse();
    assertThat(EntityTags.noneMatchNames("\"x,3\", \"3\"", 3)).isTrue();
    assertThat(EntityTags.noneMatchNames("\"x,3\"", 3)).isFalse();
  }

  @Test
  void aVersionIsItsNumberInQuotes() {
    assertThat(EntityTags.of(42)).isEqualTo("\"42\"");
  }
}
