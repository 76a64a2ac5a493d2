package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.swim.Update;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Random valid SWIM messages from a seeded {@link Random}, for codec round trips and fuzzing. */
final class RandomMessages {
  private static final String ID_FIRST =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final String ID_REST = ID_FIRST + "._-";
  /** Code points of 1 to 4 UTF-8 bytes, so strings exercise every length of encoding. */
  private static final int[] TEXT = {'a', 'Z', '0', '-', ' ', '/', ':', 'é', 'ß', 'Ω', '中', '語', 0x1F600};

  private final Random random;

  RandomMessages(long seed) {
    this.random = new Random(seed);
  }

  SwimMessage message() {
    SwimMessage.Kind kind = SwimMessage.Kind.values()[random.nextInt(SwimMessage.Kind.values().length)];
    return switch (kind) {
      case PING -> new SwimMessage.Ping(random.nextLong(), nodeId(), address(), nodeId(), updates());
      case PING_REQ -> new SwimMessage.PingReq(
          random.nextLong(), nodeId(), address(), nodeId(), address(), updates());
      case ACK -> new SwimMessage.Ack(random.nextLong(), nodeId(), updates());
      case NACK -> new SwimMessage.Nack(random.nextLong(), nodeId());
      case GOSSIP -> new SwimMessage.Gossip(nodeId(), updates());
      case PUSH_PULL -> new SwimMessage.PushPull(
          nodeId(), address(), random.nextBoolean(), random.nextBoolean(), updates());
    };
  }

  NodeId nodeId() {
    int len = 1 + random.nextInt(random.nextInt(10) == 0 ? 63 : 12);
    StringBuilder sb = new StringBuilder().append(ID_FIRST.charAt(random.nextInt(ID_FIRST.length())));
    for (int i = 1; i < len; i++) {
      sb.append(ID_REST.charAt(random.nextInt(ID_REST.length())));
    }
    return new NodeId(sb.toString());
  }

  Address address() {
    String host = random.nextBoolean()
        ? "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256)
        : "h" + text(60);
    return new Address(host, random.nextInt(65536));
  }

  List<Update> updates() {
    int n = random.nextInt(8) == 0 ? random.nextInt(200) : random.nextInt(6);
    List<Update> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      MemberStatus status = MemberStatus.values()[random.nextInt(4)];
      MemberMetadata meta = status == MemberStatus.ALIVE || random.nextBoolean() ? metadata() : null;
      long incarnation = random.nextBoolean() ? random.nextInt(100) : random.nextLong() & Long.MAX_VALUE;
      list.add(new Update(nodeId(), status, incarnation, meta, nodeId()));
    }
    return list;
  }

  MemberMetadata metadata() {
    Set<String> roles = new HashSet<>();
    int n = random.nextInt(5);
    for (int i = 0; i < n; i++) {
      roles.add("r" + text(20));
    }
    return new MemberMetadata(
        address(), random.nextBoolean() ? "http://" + text(200) : "", text(30), roles, text(10));
  }

  /** Up to {@code maxChars} code points (each at most 4 UTF-8 bytes). */
  String text(int maxChars) {
    int len = random.nextInt(maxChars + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.appendCodePoint(TEXT[random.nextInt(TEXT.length)]);
    }
    return sb.toString();
  }
}
