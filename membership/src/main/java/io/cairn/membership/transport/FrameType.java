package io.cairn.membership.transport;

/** What a frame is; the code travels in the frame header. */
enum FrameType {
  /** Client to server, first frame: {node id, advertised address}. */
  HELLO(1),
  /** Server to client, answer to HELLO: {node id}. */
  HELLO_ACK(2),
  /** Client to server: a message that gets no answer. */
  ONEWAY(3),
  /** Client to server: a message answered by RESPONSE or ERROR with the same correlation id. */
  REQUEST(4),
  /** Server to client: the answer to a REQUEST. */
  RESPONSE(5),
  /** Server to client: a REQUEST failed on the server {u8 reason, message}. */
  ERROR(6);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }

  static FrameType fromCode(int code) {
    for (FrameType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
