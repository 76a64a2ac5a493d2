/**
 * What runs the pure Raft core and the state machines on Vert.x: for now the wire codec of Raft
 * messages ({@link io.cairn.coordination.shell.RaftCodec}) for the transport's {@code RAFT}
 * channel. A decoding failure is the transport's {@link io.cairn.membership.transport.CodecException},
 * the same type membership's codec throws, so one handler drops and counts bad frames of either
 * protocol.
 */
package io.cairn.coordination.shell;
