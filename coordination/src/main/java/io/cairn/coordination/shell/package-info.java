/**
 * What runs the pure Raft core and the state machines on Vert.x: {@link
 * io.cairn.coordination.shell.RaftShell} (the core on one context, its log written by a group
 * committer on the {@code cairn-wal} worker, committed entries applied to the state machine) and the
 * wire codec of Raft messages ({@link io.cairn.coordination.shell.RaftCodec}) for the transport's
 * {@code RAFT} channel. A decoding failure is the transport's {@link
 * io.cairn.membership.transport.CodecException}, the same type membership's codec throws, so one
 * handler drops and counts bad frames of either protocol.
 */
package io.cairn.coordination.shell;
