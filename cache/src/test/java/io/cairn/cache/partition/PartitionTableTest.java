package io.cairn.cache.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.NodeId;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionTableTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("node-c");

  private static PartitionTable small() {
    return PartitionTable.of(7, List.of(List.of(A, B), List.of(B, C), List.of(C, A)));
  }

  @Test
  void readsBackWhatItWasBuiltFrom() {
    PartitionTable t = small();
    assertThat(t.epoch()).isEqualTo(7);
    assertThat(t.partitionCount()).isEqualTo(3);
    assertThat(t.backupCount()).isEqualTo(1);
    assertThat(t.owner(1)).isEqualTo(B);
    assertThat(t.backups(1)).containsExactly(C);
    assertThat(t.replicas(2)).containsExactly(C, A);
    assertThat(t.nodes()).containsExactly(A, B, C);
    assertThat(t).hasToString("PartitionTable[epoch 7, 3 partitions, 1 backups, owned+backed up: a=1+1 b=1+1 node-c=1+1]");
  }

  /** The exact bytes, so that the format cannot drift without this test (and the format byte) changing. */
  @Test
  void encodesToTheDocumentedBytes() {
    String hex = HexFormat.of().formatHex(small().encode());
    assertThat(hex).isEqualTo(
        "43505442" + "01" + "0000000000000007" // magic "CPTB", format 1, epoch 7
            + "0003" + "02" + "0003"             // 3 partitions, 2 replicas, 3 nodes
            + "0161" + "0162" + "066e6f64652d63" // "a", "b", "node-c"
            + "00000001" + "00010002" + "00020000"); // (a,b) (b,node-c) (node-c,a)
    assertThat(PartitionTable.decode(small().encode())).isEqualTo(small());
  }

  @Test
  void roundTripsAPlannedTable() {
    PartitionTable t = PartitionPlanner.plan(Optional.empty(),
        List.of(PartitionPlanner.Node.of("n1"), PartitionPlanner.Node.of("n2"), PartitionPlanner.Node.of("n3"),
            PartitionPlanner.Node.of("n4")), 271, 3);
    byte[] bytes = t.encode();
    PartitionTable back = PartitionTable.decode(bytes);
    assertThat(back).isEqualTo(t);
    assertThat(back.encode()).isEqualTo(bytes);
    assertThat(back.hashCode()).isEqualTo(t.hashCode());
  }

  @Test
  void refusesInvalidTablesWhenBuilt() {
    assertThatThrownBy(() -> PartitionTable.of(0, List.of(List.of(A)))).hasMessageContaining("epoch");
    assertThatThrownBy(() -> PartitionTable.of(1, List.of())).hasMessageContaining("partition count");
    assertThatThrownBy(() -> PartitionTable.of(1, List.of(List.of()))).hasMessageContaining("replicas");
    assertThatThrownBy(() -> PartitionTable.of(1, List.of(List.of(A, B, C, NodeId.of("d"), NodeId.of("e")))))
        .hasMessageContaining("0 to 3 backups");
    assertThatThrownBy(() -> PartitionTable.of(1, List.of(List.of(A, A)))).hasMessageContaining("twice");
    assertThatThrownBy(() -> PartitionTable.of(1, List.of(List.of(A, B), List.of(A))))
        .hasMessageContaining("every partition has as many");
  }

  @Test
  void refusesBytesThatAreNotACanonicalTable() {
    byte[] good = small().encode();
    assertRejected(set(good, 0, 0x44), "not a partition table");
    assertRejected(set(good, 4, 2), "format 2");
    assertRejected(set(good, 12, 0), "epoch 0");
    assertRejected(set(good, 5, 0x80), "epoch"); // negative epoch
    assertRejected(set(set(good, 13, 0), 14, 0), "partition count 0");
    assertRejected(set(good, 15, 0), "replicas per partition 0");
    assertRejected(set(good, 15, 5), "replicas per partition 5");
    assertRejected(set(good, 17, 0x01), "node count 1"); // fewer nodes than replicas
    assertRejected(set(good, 17, 0x7f), "node count 127"); // more than the bytes could hold
    assertRejected(set(good, 19, 0x62), "out of order or repeated"); // "b", "b"
    assertRejected(set(good, 21, 0x61), "out of order or repeated"); // "a", "a"
    assertRejected(set(good, 23, 0x20), "not a valid node id"); // " ode-c"
    assertRejected(set(good, 22, 0x00), "not a valid node id"); // empty id, then garbage
    assertRejected(set(good, 30, 0x03), "node index 3 of 3");
    assertRejected(set(good, 32, 0x00), "twice"); // (a, a)
    assertRejected(Arrays.copyOf(good, good.length + 1), "need 12 bytes, 13 are left");
    // Node "b" listed but unused: (a,node-c) (node-c,a) (a,node-c)
    byte[] unused = HexFormat.of().parseHex("4350544201000000000000000700030200030161016206"
        + "6e6f64652d63" + "00000002" + "00020000" + "00000002");
    assertRejected(unused, "holds no replica");
    for (int length = 0; length < good.length; length++) {
      assertThatThrownBy(decoding(Arrays.copyOf(good, length))).as("truncated to %d bytes", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> PartitionTable.decode(null)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Random flips of one to three bytes either fail to decode or decode to a valid table. */
  @Test
  void randomCorruptionIsRejectedOrDecodesToAValidTable() {
    SplittableRandom random = new SplittableRandom(88);
    byte[] good = PartitionPlanner.plan(Optional.empty(),
        List.of(PartitionPlanner.Node.of("a", "z1"), PartitionPlanner.Node.of("b", "z2"),
            PartitionPlanner.Node.of("c", "z1")), 31, 2).encode();
    int accepted = 0;
    for (int trial = 0; trial < 5_000; trial++) {
      byte[] bad = good.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
      }
      if (TableChecks.decodesOnlyIfValid(bad)) {
        accepted++;
      }
    }
    // Flips inside the assignments can make another valid table; most other flips cannot.
    assertThat(accepted).isLessThan(5_000);
  }

  private static org.assertj.core.api.ThrowableAssert.ThrowingCallable decoding(byte[] bytes) {
    return () -> PartitionTable.decode(bytes);
  }

  private static void assertRejected(byte[] bytes, String message) {
    assertThatThrownBy(decoding(bytes)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  private static byte[] set(byte[] bytes, int index, int value) {
    byte[] copy = bytes.clone();
    copy[index] = (byte) value;
    return copy;
  }
}
