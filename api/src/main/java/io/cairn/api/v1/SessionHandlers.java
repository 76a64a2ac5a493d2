package io.cairn.api.v1;

import static io.cairn.api.v1.PrimitiveRequests.answer;
import static io.cairn.api.v1.PrimitiveRequests.common;
import static io.cairn.api.v1.PrimitiveRequests.guarded;

import io.cairn.api.problem.ProblemError;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives.SessionView;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/** The operations of the {@code sessions} tag: open, read, keep alive and close a session. */
public final class SessionHandlers {
  private final PrimitiveService primitives;

  public SessionHandlers(PrimitiveService primitives) {
    this.primitives = Objects.requireNonNull(primitives, "primitives");
  }

  /** {@code POST /v1/sessions}: 201 with the session and its Location. */
  public void createSession(RoutingContext rc) {
    guarded(rc, () -> {
      long ttl = PrimitiveRequests.longMember(PrimitiveRequests.body(rc), "ttlMillis", 0);
      answer(rc, primitives.createSession(ttl), result -> {
        if (!(result instanceof PrimitiveResult.SessionCreated c)) {
          throw common(result);
        }
        rc.response().putHeader(HttpHeaders.LOCATION, "/v1/sessions/" + c.id());
        EntryHandlers.json(rc, 201, session(c.id(), c.ttlMillis()));
      });
    });
  }

  /** {@code GET /v1/sessions/{id}}. */
  public void getSession(RoutingContext rc) {
    guarded(rc, () -> {
      long id = id(rc);
      answer(rc, primitives.session(id), found -> {
        SessionView s = found.orElseThrow(() -> PrimitiveRequests.sessionNotFound(id));
        EntryHandlers.json(rc, 200, session(s.id(), s.ttlMillis()).put("remainingMillis", s.remainingMillis()));
      });
    });
  }

  /** {@code POST /v1/sessions/{id}/keepalive}: renewed, or 404 when the session has ended. */
  public void keepAliveSession(RoutingContext rc) {
    guarded(rc, () -> {
      long id = id(rc);
      answer(rc, primitives.keepAlive(id), result -> {
        if (!(result instanceof PrimitiveResult.KeptAlive k) || k.renewals().size() != 1
            || k.renewals().get(0).id() != id) {
          throw common(result);
        }
        PrimitiveResult.Renewal renewal = k.renewals().get(0);
        if (!renewal.alive()) {
          throw PrimitiveRequests.sessionNotFound(id);
        }
        EntryHandlers.json(rc, 200, session(id, renewal.ttlMillis()));
      });
    });
  }

  /** {@code DELETE /v1/sessions/{id}}: 204, or 404 when the session has ended. */
  public void closeSession(RoutingContext rc) {
    guarded(rc, () -> {
      long id = id(rc);
      answer(rc, primitives.closeSession(id), result -> {
        if (!(result instanceof PrimitiveResult.SessionClosed)) {
          throw common(result);
        }
        rc.response().setStatusCode(204).end();
      });
    });
  }

  private static long id(RoutingContext rc) {
    return PrimitiveRequests.longParameter(PrimitiveRequests.validated(rc).getPathParameters().get("id"),
        ProblemError.PATH, "id", 0);
  }

  private static JsonObject session(long id, long ttlMillis) {
    return new JsonObject().put("id", id).put("ttlMillis", ttlMillis);
  }
}
