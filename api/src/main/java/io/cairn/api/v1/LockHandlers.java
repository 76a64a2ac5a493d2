package io.cairn.api.v1;

import static io.cairn.api.v1.PrimitiveRequests.answer;
import static io.cairn.api.v1.PrimitiveRequests.common;
import static io.cairn.api.v1.PrimitiveRequests.guarded;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives.LockView;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.ArrayList;
import java.util.Objects;

/**
 * The operations of the {@code locks} tag. A lock that was not acquired is {@code 409 lock-busy}:
 * the caller asked for exclusive access and does not have it, and nothing changed.
 */
public final class LockHandlers {
  /** The response header that carries a grant's fencing token. */
  public static final CharSequence FENCING_TOKEN = HttpHeaders.createOptimized("Cairn-Fencing-Token");

  private final PrimitiveService primitives;

  public LockHandlers(PrimitiveService primitives) {
    this.primitives = Objects.requireNonNull(primitives, "primitives");
  }

  /** {@code POST /v1/locks/{name}}: the grant and its token, or 409 {@code lock-busy}. */
  public void acquireLock(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      JsonObject body = PrimitiveRequests.body(rc);
      long session = PrimitiveRequests.longMember(body, "session", 0);
      long lockDelay = PrimitiveRequests.longMember(body, "lockDelayMillis", 0);
      var wait = PrimitiveRequests.waitOf(body);
      answer(rc, primitives.acquire(name, session, wait, lockDelay), result -> {
        switch (result.kind()) {
          case GRANTED -> {
            PrimitiveResult.Granted g = (PrimitiveResult.Granted) result;
            rc.response().putHeader(FENCING_TOKEN, Long.toString(g.token()));
            EntryHandlers.json(rc, 200, new JsonObject().put("lock", name).put("session", session)
                .put("token", g.token()).put("count", g.count()));
          }
          case BUSY -> {
            PrimitiveResult.Busy b = (PrimitiveResult.Busy) result;
            throw ApiProblem.withMembers(ProblemType.LOCK_BUSY, "Lock " + name + " is held by session "
                + b.holderSession() + " (token " + b.token() + ")",
                new JsonObject().put("holderSession", b.holderSession()).put("token", b.token()), null);
          }
          case DELAYED -> {
            long remaining = ((PrimitiveResult.Delayed) result).remainingMillis();
            throw ApiProblem.withMembers(ProblemType.LOCK_BUSY, "Lock " + name + " is in its lock delay for "
                + remaining + " ms more (its holder's session expired holding it)",
                new JsonObject().put("delayRemainingMillis", remaining), (remaining + 999) / 1000);
          }
          case CANCELLED -> throw new ApiProblem(ProblemType.LOCK_BUSY, "Lock " + name
              + " was not acquired within waitMillis (" + wait.toMillis() + " ms); the session is no longer in line");
          case QUEUED -> throw new ApiProblem(ProblemType.LOCK_BUSY, "Lock " + name + " is busy; session " + session
              + " is already waiting in line for it (position " + ((PrimitiveResult.Queued) result).position()
              + ") from an earlier acquire");
          default -> throw common(result);
        }
      });
    });
  }

  /** {@code DELETE /v1/locks/{name}?session=&token=}: one hold released, or 409 {@code not-lock-holder}. */
  public void releaseLock(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      ValidatedRequest request = PrimitiveRequests.validated(rc);
      long session = PrimitiveRequests.longParameter(request.getQuery().get("session"), ProblemError.QUERY, "session", 0);
      long token = PrimitiveRequests.longParameter(request.getQuery().get("token"), ProblemError.QUERY, "token", 0);
      answer(rc, primitives.release(name, session, token), result -> {
        if (result instanceof PrimitiveResult.Released r) {
          EntryHandlers.json(rc, 200, new JsonObject().put("lock", name).put("remainingCount", r.remainingCount()));
        } else if (result instanceof PrimitiveResult.Conflict c) {
          throw ApiProblem.withMembers(ProblemType.NOT_LOCK_HOLDER, c.holderSession() == 0
                  ? "Lock " + name + " is not held"
                  : "Lock " + name + " is held by session " + c.holderSession() + " with token " + c.token()
                      + ", not by session " + session + " with token " + token,
              new JsonObject().put("holderSession", c.holderSession()).put("token", c.token()), null);
        } else {
          throw common(result);
        }
      });
    });
  }

  /** {@code GET /v1/locks/{name}}: a free lock is 200 without a holder. */
  public void getLock(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      answer(rc, primitives.lock(name), found -> {
        JsonObject body = new JsonObject().put("lock", name);
        LockView lock = found.orElse(null);
        if (lock != null && lock.holderSession() != 0) {
          body.put("holder", new JsonObject().put("session", lock.holderSession()).put("token", lock.token())
              .put("count", lock.count()));
        }
        body.put("waiters", new JsonArray(lock == null ? new ArrayList<>() : new ArrayList<Object>(lock.waiters())));
        body.put("delayRemainingMillis", lock == null ? 0 : lock.delayRemainingMillis());
        EntryHandlers.json(rc, 200, body);
      });
    });
  }
}
