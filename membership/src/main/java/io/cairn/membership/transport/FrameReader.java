package io.cairn.membership.transport;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;

/**
 * Cuts a TCP byte stream into frame bodies (the bytes after each length prefix). A length below
 * the header size or above the maximum is reported once, and everything after it is ignored: the
 * connection is about to be closed.
 */
final class FrameReader implements Handler<Buffer> {
  enum Problem {
    OVERSIZE,
    MALFORMED
  }

  interface Sink {
    /** Handles one frame body; false stops the reader (the connection is being closed). */
    boolean frame(Buffer body);

    void problem(Problem problem, String detail);
  }

  private final RecordParser parser = RecordParser.newFixed(FrameCodec.LENGTH_BYTES);
  private final int maxFrameBytes;
  private final Sink sink;
  private boolean expectLength = true;
  private boolean failed;

  FrameReader(int maxFrameBytes, Sink sink) {
    this.maxFrameBytes = maxFrameBytes;
    this.sink = sink;
    parser.handler(this::record);
  }

  @Override
  public void handle(Buffer bytes) {
    if (!failed) {
      parser.handle(bytes);
    }
  }

  boolean failed() {
    return failed;
  }

  private void record(Buffer record) {
    if (failed) {
      return;
    }
    if (expectLength) {
      int length = record.getInt(0);
      if (length > maxFrameBytes || length < 0) {
        failed = true;
        sink.problem(
            Problem.OVERSIZE,
            "a frame of " + Integer.toUnsignedString(length) + " bytes, at most " + maxFrameBytes);
      } else if (length < FrameCodec.HEADER_BYTES) {
        failed = true;
        sink.problem(Problem.MALFORMED, "a frame of " + length + " bytes has no room for a header");
      } else {
        expectLength = false;
        parser.fixedSizeMode(length);
      }
    } else {
      expectLength = true;
      parser.fixedSizeMode(FrameCodec.LENGTH_BYTES);
      if (!sink.frame(record)) {
        failed = true;
      }
    }
  }
}
