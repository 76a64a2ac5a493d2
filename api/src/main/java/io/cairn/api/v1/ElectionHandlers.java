package io.cairn.api.v1;

import static io.cairn.api.v1.PrimitiveRequests.answer;
import static io.cairn.api.v1.PrimitiveRequests.common;
import static io.cairn.api.v1.PrimitiveRequests.guarded;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;

/**
 * The operations of the {@code elections} tag. A campaign answers 200 whether or not the session
 * was elected ({@code elected} says which): not being elected yet is a candidate's normal state.
 */
public final class ElectionHandlers {
  private final PrimitiveService primitives;
  private final Duration heartbeat;

  /** @param heartbeat how often an event stream gets a comment line (tests shorten it) */
  public ElectionHandlers(PrimitiveService primitives, Duration heartbeat) {
    this.primitives = Objects.requireNonNull(primitives, "primitives");
    this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
  }

  /** {@code POST /v1/elections/{name}/candidates}. */
  public void campaign(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      JsonObject body = PrimitiveRequests.body(rc);
      long session = PrimitiveRequests.longMember(body, "session", 0);
      String value = body.getString("value");
      answer(rc, primitives.campaign(name, session, value, PrimitiveRequests.waitOf(body)), result -> {
        JsonObject out = new JsonObject().put("election", name).put("session", session);
        if (result instanceof PrimitiveResult.Elected e) {
          out.put("elected", true).put("token", e.token());
        } else if (result instanceof PrimitiveResult.Queued q) {
          out.put("elected", false).put("position", q.position());
        } else if (result instanceof PrimitiveResult.Cancelled) {
          out.put("elected", false);
        } else {
          throw common(result);
        }
        EntryHandlers.json(rc, 200, out);
      });
    });
  }

  /** {@code PUT /v1/elections/{name}/leader}: the leader's new value. */
  public void proclaim(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      JsonObject body = PrimitiveRequests.body(rc);
      long session = PrimitiveRequests.longMember(body, "session", 0);
      long token = PrimitiveRequests.longMember(body, "token", 0);
      answer(rc, primitives.proclaim(name, session, token, body.getString("value")), result -> {
        if (result instanceof PrimitiveResult.Proclaimed p) {
          EntryHandlers.json(rc, 200, new JsonObject().put("election", name).put("revision", p.revision()));
        } else if (result instanceof PrimitiveResult.Conflict c) {
          throw notLeader(name, c, session, token);
        } else {
          throw common(result);
        }
      });
    });
  }

  /** {@code POST /v1/elections/{name}/resign}: the leader resigns, or (token 0) a candidate withdraws. */
  public void resign(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      JsonObject body = PrimitiveRequests.body(rc);
      long session = PrimitiveRequests.longMember(body, "session", 0);
      long token = PrimitiveRequests.longMember(body, "token", 0);
      answer(rc, primitives.resign(name, session, token), result -> {
        String outcome;
        if (result instanceof PrimitiveResult.Resigned) {
          outcome = "resigned";
        } else if (result instanceof PrimitiveResult.Cancelled) {
          outcome = "withdrawn";
        } else if (result instanceof PrimitiveResult.Conflict c) {
          throw notLeader(name, c, session, token);
        } else if (result instanceof PrimitiveResult.NotWaiting w) {
          throw new ApiProblem(ProblemType.NOT_ELECTION_CANDIDATE, w.heldToken() != 0
              ? "Session " + session + " leads election " + name + "; it resigns with its token " + w.heldToken()
              : "Session " + session + " is not a candidate of election " + name);
        } else {
          throw common(result);
        }
        EntryHandlers.json(rc, 200, new JsonObject().put("election", name).put("outcome", outcome));
      });
    });
  }

  /** {@code GET /v1/elections/{name}}: an election nobody campaigns in is 200 without a leader. */
  public void getElection(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      answer(rc, primitives.election(name), found -> {
        JsonObject body = new JsonObject().put("election", name);
        ElectionView e = found.orElse(null);
        if (e != null && e.leaderSession() != 0) {
          body.put("leader", leader(e.leaderSession(), e.token(), e.value()));
        }
        body.put("revision", e == null ? 0 : e.revision());
        body.put("candidates", new JsonArray(e == null ? new ArrayList<>() : new ArrayList<Object>(e.candidates())));
        EntryHandlers.json(rc, 200, body);
      });
    });
  }

  /** {@code GET /v1/elections/{name}/events}: every leader change as Server-Sent Events. */
  public void observeElection(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      ValidatedRequest request = PrimitiveRequests.validated(rc);
      long lastEventId = PrimitiveRequests.longParameter(request.getHeaders().get("Last-Event-ID"),
          ProblemError.HEADER, "Last-Event-ID", -1);
      long after = lastEventId >= 0 ? lastEventId
          : PrimitiveRequests.longParameter(request.getQuery().get("after"), ProblemError.QUERY, "after", -1);
      new ElectionEventStream(rc, primitives, name, after, heartbeat.toMillis()).start();
    });
  }

  static JsonObject leader(long session, long token, String value) {
    return new JsonObject().put("session", session).put("token", token).put("value", value);
  }

  private static ApiProblem notLeader(String name, PrimitiveResult.Conflict c, long session, long token) {
    return ApiProblem.withMembers(ProblemType.NOT_ELECTION_LEADER, c.holderSession() == 0
            ? "Nobody leads election " + name
            : "Election " + name + " is led by session " + c.holderSession() + " with token " + c.token()
                + ", not by session " + session + " with token " + token,
        new JsonObject().put("leaderSession", c.holderSession()).put("token", c.token()), null);
  }
}
