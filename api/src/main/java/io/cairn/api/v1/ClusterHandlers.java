package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemType;
import io.cairn.cache.CacheService;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.coordination.RaftStatus;
import io.cairn.coordination.raft.FollowerProgress;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The operations of the {@code cluster} tag: this node's view of the group, and a stream of its
 * changes. The OpenAPI router validates every request first (these are not hot paths).
 */
public final class ClusterHandlers {
  /** How often an idle event stream gets a comment line, so that proxies keep it open. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(15);

  private final Membership membership;
  private final Supplier<Future<RaftStatus>> raft;
  private final Duration heartbeat;
  private final CacheService caches;

  /**
   * @param raft this node's view of the coordination group
   * @param heartbeat how often an event stream gets a comment line (tests shorten it)
   */
  public ClusterHandlers(Membership membership, Supplier<Future<RaftStatus>> raft, Duration heartbeat,
      CacheService caches) {
    this.caches = Objects.requireNonNull(caches, "caches");
    this.membership = Objects.requireNonNull(membership, "membership");
    this.raft = Objects.requireNonNull(raft, "raft");
    this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
    if (heartbeat.toMillis() < 1) {
      throw new IllegalArgumentException("the heartbeat must be at least 1ms: " + heartbeat);
    }
  }

  /** {@code GET /v1/cluster/partitions}: the partitions' holders as this node routes by them. */
  public void getPartitions(RoutingContext rc) {
    ClusterView view = caches.clusterView();
    if (view == null) {
      rc.fail(new ApiProblem(ProblemType.PARTITION_UNAVAILABLE, "This node's caches are not partitioned"));
      return;
    }
    EntryHandlers.json(rc, 200, Views.partitions(view));
  }

  /** {@code GET /v1/cluster/members}. */
  public void listMembers(RoutingContext rc) {
    EntryHandlers.json(rc, 200, MemberViews.memberList(membership));
  }

  /** {@code GET /v1/cluster/members/{member}}: the member, or 404 {@code no-such-member}. */
  public void getMember(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String id = request.getPathParameters().get("member").getString();
    if (!NodeId.isValid(id)) { // the contract's pattern says the same; this keeps NodeId's rule in force
      rc.fail(ApiProblem.invalid(io.cairn.api.problem.ProblemError.PATH, "member",
          "a member id is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"));
      return;
    }
    NodeId self = membership.local().id();
    membership.member(NodeId.of(id)).ifPresentOrElse(
        member -> EntryHandlers.json(rc, 200, MemberViews.member(member, self, membership)),
        () -> rc.fail(new ApiProblem(ProblemType.NO_SUCH_MEMBER, "This node knows no member " + id)));
  }

  /** {@code GET /v1/cluster/raft}: this node's view of the coordination group. */
  public void getRaftStatus(RoutingContext rc) {
    raft.get().onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      RaftStatus s = ar.result();
      JsonObject body = new JsonObject()
          .put("node", s.node().value())
          .put("role", s.role())
          .put("term", s.term())
          .put("commitIndex", s.commitIndex())
          .put("appliedIndex", s.appliedIndex())
          .put("lastIndex", s.lastIndex())
          .put("snapshotIndex", s.snapshotIndex())
          .put("voters", new JsonArray(s.voters().stream().map(NodeId::value).toList()));
      s.leader().ifPresent(l -> body.put("leader", l.value()));
      JsonArray progress = new JsonArray();
      for (FollowerProgress f : s.progress()) {
        progress.add(new JsonObject().put("node", f.node().value()).put("matchIndex", f.matchIndex())
            .put("nextIndex", f.nextIndex()).put("state", f.state()));
      }
      EntryHandlers.json(rc, 200, body.put("progress", progress));
    });
  }

  /** {@code GET /v1/cluster/events}: a snapshot, then every change, as Server-Sent Events. */
  public void watchMembers(RoutingContext rc) {
    new MemberEventStream(rc, membership, heartbeat.toMillis()).start();
  }
}
