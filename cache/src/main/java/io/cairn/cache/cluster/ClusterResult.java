package io.cairn.cache.cluster;

import io.cairn.coordination.machine.ByteReader;
import io.cairn.coordination.machine.ByteWriter;
import java.util.Objects;

/** What applying a {@link ClusterCommand} answers its proposer. */
public sealed interface ClusterResult {
  byte DONE = 1;
  byte REFUSED = 2;
  byte DEFINED = 3;
  byte NO_SUCH_CACHE = 4;

  byte[] encode();

  /** Applied (perhaps changing nothing): the map is now at {@code revision}, partitions at {@code epoch}. */
  record Done(long revision, long epoch) implements ClusterResult {
    @Override
    public byte[] encode() {
      return new ByteWriter(17).u8(DONE).i64(revision).i64(epoch).toByteArray();
    }
  }

  /**
   * Not applied, and why: a stale proposal, or a node that cannot join. The map was then at
   * {@code revision}: a view at least that new shows what made it stale.
   */
  record Refused(String reason, long revision) implements ClusterResult {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(64).u8(REFUSED).string(reason).i64(revision).toByteArray();
    }
  }

  /** The cache as it is now defined, at {@code revision}; {@code created} when it is new. */
  record Defined(CacheDef cache, boolean created, long revision) implements ClusterResult {
    public Defined {
      Objects.requireNonNull(cache, "cache");
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(64).u8(DEFINED).string(cache.name());
      ClusterView.writeSpec(out, cache.spec());
      return out.i64(cache.createdAtMillis()).u8(created ? 1 : 0).i64(revision).toByteArray();
    }
  }

  record NoSuchCache(String cache) implements ClusterResult {
    public NoSuchCache {
      Objects.requireNonNull(cache, "cache");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(32).u8(NO_SUCH_CACHE).string(cache).toByteArray();
    }
  }

  /** @throws IllegalArgumentException for bytes no result encodes to */
  public static ClusterResult decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int kind = in.u8("kind");
    ClusterResult r = switch (kind) {
      case DONE -> new Done(in.i64("revision"), in.i64("epoch"));
      case REFUSED -> new Refused(in.string("reason"), in.i64("revision"));
      case DEFINED -> {
        String name = in.string("cache");
        yield new Defined(new CacheDef(name, ClusterView.readSpec(in), in.i64("created at")), in.u8("created") == 1,
            in.i64("revision"));
      }
      case NO_SUCH_CACHE -> new NoSuchCache(in.string("cache"));
      default -> throw new IllegalArgumentException("unknown cluster result " + kind);
    };
    in.expectEnd("cluster result");
    return r;
  }
}
