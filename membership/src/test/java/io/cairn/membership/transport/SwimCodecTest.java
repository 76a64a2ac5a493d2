package io.cairn.membership.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.Address;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.swim.Update;
import io.vertx.core.buffer.Buffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SwimCodecTest {

  @Test
  void everyKindRoundTripsWithRandomContents() {
    RandomMessages messages = new RandomMessages(20261125L);
    EnumSet<SwimMessage.Kind> seen = EnumSet.noneOf(SwimMessage.Kind.class);
    for (int i = 0; i < 5_000; i++) {
      SwimMessage m = messages.message();
      seen.add(m.kind());
      Buffer bytes = SwimCodec.encode(m);
      assertThat(bytes.getUnsignedByte(0)).isEqualTo((short) SwimCodec.VERSION);
      assertThat(SwimCodec.decode(bytes)).as("iteration %d", i).isEqualTo(m);
    }
    assertThat(seen).containsExactlyInAnyOrder(SwimMessage.Kind.values());
  }

  @Test
  void metadataTravelsWhole() {
    MemberMetadata meta = new MemberMetadata(
        new Address("10.0.0.7", 7071), "http://10.0.0.7:7070", "eu-west-1a",
        Set.of("voter", "cache"), "0.1.0");
    Update u = new Update(NodeId.of("n1"), MemberStatus.ALIVE, 3, meta, NodeId.of("n1"));
    var m = new SwimMessage.Gossip(NodeId.of("n2"), List.of(u));

    var back = (SwimMessage.Gossip) SwimCodec.decode(SwimCodec.encode(m));

    assertThat(back.updates().get(0).metadata()).isEqualTo(meta);
    assertThat(back.updates().get(0).metadata().roles()).containsExactly("cache", "voter");
  }

  /**
   * Valid encodings truncated, bit-flipped, spliced and extended, and plain random bytes: each
   * either decodes to a message (which then round-trips) or throws CodecException, nothing else.
   */
  @Test
  void anyBytesDecodeOrThrowCodecException() {
    Random random = new Random(42);
    RandomMessages messages = new RandomMessages(43);
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 30_000; i++) {
      byte[] bytes = SwimCodec.encode(messages.message()).getBytes();
      byte[] input = switch (i % 6) {
        case 0 -> java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        case 1 -> flip(bytes, random, 1 + random.nextInt(4));
        case 2 -> setRandomByte(bytes, random);
        case 3 -> splice(bytes, random);
        case 4 -> randomBytes(random, random.nextInt(64));
        default -> withPrefix(randomBytes(random, random.nextInt(300)), random);
      };
      try {
        SwimMessage m = SwimCodec.decode(Buffer.buffer(input));
        assertThat(SwimCodec.decode(SwimCodec.encode(m))).isEqualTo(m);
        decoded++;
      } catch (CodecException e) {
        refused++;
      }
    }
    // Both outcomes really happen; a fuzz that only ever refuses tests little.
    assertThat(decoded).isPositive();
    assertThat(refused).isPositive();
  }

  @Test
  void aForgedUpdateCountFailsFastWithoutAllocating() {
    Buffer b = Buffer.buffer().appendByte((byte) 1).appendByte((byte) 5); // GOSSIP
    b.appendUnsignedShort(2).appendString("n1").appendUnsignedShort(65_535); // 65535 updates, none there
    assertThatThrownBy(() -> SwimCodec.decode(b))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void refusesOtherVersionsKindsAndTrailingBytes() {
    Buffer ok = SwimCodec.encode(new SwimMessage.Nack(7, NodeId.of("n1")));
    assertThatThrownBy(() -> SwimCodec.decode(ok.copy().setByte(0, (byte) 2)))
        .isInstanceOf(CodecException.class).hasMessageContaining("codec version 2");
    assertThatThrownBy(() -> SwimCodec.decode(ok.copy().setByte(1, (byte) 99)))
        .isInstanceOf(CodecException.class).hasMessageContaining("kind 99");
    assertThatThrownBy(() -> SwimCodec.decode(ok.copy().appendByte((byte) 0)))
        .isInstanceOf(CodecException.class).hasMessageContaining("after the end");
    assertThatThrownBy(() -> SwimCodec.decode(Buffer.buffer()))
        .isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> SwimCodec.decode(null)).isInstanceOf(CodecException.class);
  }

  @Test
  void refusesInvalidValuesThatTheRecordsRefuse() {
    // An ALIVE update without metadata: the record refuses it, the codec says CodecException.
    Buffer b = Buffer.buffer().appendByte((byte) 1).appendByte((byte) 5);
    b.appendUnsignedShort(2).appendString("n1").appendUnsignedShort(1);
    b.appendUnsignedShort(2).appendString("n3").appendByte((byte) 1).appendLong(0).appendByte((byte) 0);
    b.appendUnsignedShort(2).appendString("n3");
    assertThatThrownBy(() -> SwimCodec.decode(b))
        .isInstanceOf(CodecException.class).hasMessageContaining("ALIVE");
  }

  @Test
  void encodingRefusesWhatDecodingWouldRefuse() {
    Set<String> roles = IntStream.range(0, 65).mapToObj(i -> "r" + i).collect(Collectors.toSet());
    MemberMetadata meta = new MemberMetadata(new Address("h", 1), "", "", roles, "");
    Update u = new Update(NodeId.of("n1"), MemberStatus.ALIVE, 0, meta, NodeId.of("n1"));
    assertThatThrownBy(() -> SwimCodec.encode(new SwimMessage.Gossip(NodeId.of("n1"), List.of(u))))
        .isInstanceOf(CodecException.class).hasMessageContaining("65 roles");
  }

  private static byte[] flip(byte[] bytes, Random r, int bits) {
    byte[] out = bytes.clone();
    for (int i = 0; i < bits; i++) {
      int at = r.nextInt(out.length);
      out[at] ^= (byte) (1 << r.nextInt(8));
    }
    return out;
  }

  private static byte[] setRandomByte(byte[] bytes, Random r) {
    byte[] out = bytes.clone();
    out[r.nextInt(out.length)] = (byte) (r.nextBoolean() ? 0xFF : r.nextInt(256));
    return out;
  }

  private static byte[] splice(byte[] bytes, Random r) {
    int cut = r.nextInt(bytes.length + 1);
    byte[] extra = randomBytes(r, r.nextInt(16));
    byte[] out = new byte[bytes.length + extra.length];
    System.arraycopy(bytes, 0, out, 0, cut);
    System.arraycopy(extra, 0, out, cut, extra.length);
    System.arraycopy(bytes, cut, out, cut + extra.length, bytes.length - cut);
    return out;
  }

  private static byte[] withPrefix(byte[] bytes, Random r) {
    if (bytes.length >= 2) {
      bytes[0] = 1;
      bytes[1] = (byte) (1 + r.nextInt(6));
    }
    return bytes;
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
