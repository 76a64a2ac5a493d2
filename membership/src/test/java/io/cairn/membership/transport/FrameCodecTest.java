package io.cairn.membership.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private static final int MAX = 64 * 1024;

  /** Collects what a FrameReader emits. */
  private static final class Collected implements FrameReader.Sink {
    final List<Buffer> frames = new ArrayList<>();
    final List<FrameReader.Problem> problems = new ArrayList<>();

    @Override
    public boolean frame(Buffer body) {
      frames.add(body.copy());
      return true;
    }

    @Override
    public void problem(FrameReader.Problem problem, String detail) {
      problems.add(problem);
    }
  }

  @Test
  void everyFrameTypeAndChannelRoundTripsThroughAnyChunking() {
    Random random = new Random(7);
    for (int round = 0; round < 300; round++) {
      List<Frame> sent = new ArrayList<>();
      Buffer stream = Buffer.buffer();
      int n = 1 + random.nextInt(20);
      for (int i = 0; i < n; i++) {
        FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
        int channel = random.nextInt(256);
        long correlation = random.nextLong();
        byte[] payload = new byte[random.nextInt(4) == 0 ? random.nextInt(MAX - FrameCodec.HEADER_BYTES + 1) : random.nextInt(100)];
        random.nextBytes(payload);
        Frame f = new Frame(type, channel, correlation, Buffer.buffer(payload));
        sent.add(f);
        stream.appendBuffer(FrameCodec.encode(type, channel, correlation, f.payload()));
      }
      Collected sink = new Collected();
      FrameReader reader = new FrameReader(MAX, sink);
      int at = 0;
      while (at < stream.length()) { // cut the stream where TCP might
        int end = Math.min(stream.length(), at + 1 + random.nextInt(random.nextBoolean() ? 7 : 70_000));
        reader.handle(stream.slice(at, end).copy());
        at = end;
      }
      assertThat(sink.problems).isEmpty();
      assertThat(sink.frames).hasSameSizeAs(sent);
      for (int i = 0; i < sent.size(); i++) {
        Frame got = FrameCodec.decode(sink.frames.get(i));
        Frame want = sent.get(i);
        assertThat(got.type()).isEqualTo(want.type());
        assertThat(got.channelCode()).isEqualTo(want.channelCode());
        assertThat(got.correlationId()).isEqualTo(want.correlationId());
        assertThat(got.payload()).isEqualTo(want.payload());
      }
    }
  }

  @Test
  void helloHelloAckAndErrorRoundTrip() {
    RandomMessages random = new RandomMessages(11);
    for (int i = 0; i < 2_000; i++) {
      NodeId id = random.nodeId();
      Address address = random.address();
      assertThat(FrameCodec.decodeHello(FrameCodec.hello(id, address)))
          .isEqualTo(new FrameCodec.Hello(id, address));
      assertThat(FrameCodec.decodeHelloAck(FrameCodec.helloAck(id))).isEqualTo(id);
      TransportException.Reason reason =
          TransportException.Reason.values()[i % TransportException.Reason.values().length];
      String message = random.text(300);
      TransportException e = FrameCodec.decodeError(FrameCodec.error(reason, message));
      assertThat(e.reason()).isEqualTo(reason);
      assertThat(message).startsWith(e.getMessage());
    }
  }

  @Test
  void oversizeAndUndersizeLengthsAreReportedOnceAndTheRestIgnored() {
    Collected big = new Collected();
    FrameReader reader = new FrameReader(MAX, big);
    reader.handle(Buffer.buffer().appendInt(MAX + 1).appendBytes(new byte[100]));
    reader.handle(FrameCodec.encode(FrameType.ONEWAY, 1, 0, Buffer.buffer("x")));
    assertThat(big.problems).containsExactly(FrameReader.Problem.OVERSIZE);
    assertThat(big.frames).isEmpty();

    Collected negative = new Collected();
    new FrameReader(MAX, negative).handle(Buffer.buffer().appendInt(-1));
    assertThat(negative.problems).containsExactly(FrameReader.Problem.OVERSIZE);

    Collected tiny = new Collected();
    new FrameReader(MAX, tiny).handle(Buffer.buffer().appendInt(3).appendBytes(new byte[3]));
    assertThat(tiny.problems).containsExactly(FrameReader.Problem.MALFORMED);
  }

  @Test
  void aFrameOfExactlyTheMaximumIsAccepted() {
    Collected sink = new Collected();
    Buffer payload = Buffer.buffer(new byte[FrameCodec.maxPayload(MAX)]);
    new FrameReader(MAX, sink).handle(FrameCodec.encode(FrameType.ONEWAY, 1, 0, payload));
    assertThat(sink.problems).isEmpty();
    assertThat(sink.frames).hasSize(1);
  }

  @Test
  void anotherProtocolVersionIsRecognisedAndRefused() {
    Buffer frame = FrameCodec.encode(2, FrameType.HELLO, 0, 0, Buffer.buffer());
    Buffer body = frame.slice(FrameCodec.LENGTH_BYTES, frame.length());
    assertThat(FrameCodec.isOtherVersion(body)).isTrue();
    assertThatThrownBy(() -> FrameCodec.decode(body))
        .isInstanceOf(CodecException.class).hasMessageContaining("protocol version 2");
    Buffer ours = FrameCodec.encode(FrameType.HELLO, 0, 0, Buffer.buffer());
    assertThat(FrameCodec.isOtherVersion(ours.slice(4, ours.length()))).isFalse();
  }

  /** Random and mutated bytes through the reader and every decoder: frames or CodecException. */
  @Test
  void anyBytesDecodeOrThrowCodecException() {
    Random random = new Random(99);
    RandomMessages messages = new RandomMessages(100);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(80)];
        random.nextBytes(bytes);
      } else {
        bytes = FrameCodec.encode(FrameType.values()[random.nextInt(6)], random.nextInt(4),
            random.nextLong(), FrameCodec.hello(messages.nodeId(), messages.address())).getBytes();
        for (int k = 0; k < 1 + random.nextInt(3); k++) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      }
      Collected sink = new Collected();
      new FrameReader(MAX, sink).handle(Buffer.buffer(bytes));
      assertThat(sink.problems.size()).isLessThanOrEqualTo(1);
      for (Buffer body : sink.frames) {
        try {
          Frame f = FrameCodec.decode(body);
          decodeQuietly(() -> FrameCodec.decodeHello(f.payload()));
          decodeQuietly(() -> FrameCodec.decodeHelloAck(f.payload()));
          decodeQuietly(() -> FrameCodec.decodeError(f.payload()));
        } catch (CodecException expected) {
          // refused: fine
        }
      }
      Buffer raw = Buffer.buffer(bytes);
      decodeQuietly(() -> FrameCodec.decode(raw));
      decodeQuietly(() -> FrameCodec.decodeHello(raw));
      decodeQuietly(() -> FrameCodec.decodeError(raw));
    }
  }

  private static void decodeQuietly(Runnable decode) {
    try {
      decode.run();
    } catch (CodecException expected) {
      // the only exception allowed
    }
  }
}
