package io.cairn.membership.transport;

import io.vertx.core.buffer.Buffer;

/**
 * One decoded frame. {@code channelCode} is raw so that an unknown channel can be counted and
 * answered rather than refused as garbage; it is 0 for HELLO and HELLO_ACK.
 */
record Frame(FrameType type, int channelCode, long correlationId, Buffer payload) {}
