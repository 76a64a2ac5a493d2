/**
 * Bounds-checked reading and writing of the binary wire formats of the cluster protocols (the
 * transport's frames, SWIM, Raft): one implementation, so that every codec refuses forged lengths
 * and malformed text the same way.
 */
package io.cairn.membership.wire;
