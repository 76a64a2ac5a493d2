package io.cairn.api.v1;

import static io.cairn.api.v1.PrimitiveRequests.answer;
import static io.cairn.api.v1.PrimitiveRequests.common;
import static io.cairn.api.v1.PrimitiveRequests.guarded;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The operations of the {@code semaphores} tag. Permits not granted are {@code 409 no-permits},
 * as a lock not acquired is {@code lock-busy}: the caller does not have what it asked for.
 */
public final class SemaphoreHandlers {
  private final PrimitiveService primitives;

  public SemaphoreHandlers(PrimitiveService primitives) {
    this.primitives = Objects.requireNonNull(primitives, "primitives");
  }

  /** {@code POST /v1/semaphores/{name}}. */
  public void acquirePermits(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      JsonObject body = PrimitiveRequests.body(rc);
      long session = PrimitiveRequests.longMember(body, "session", 0);
      int permits = (int) PrimitiveRequests.longMember(body, "permits", 1); // the schema bounds both
      int limit = (int) PrimitiveRequests.longMember(body, "limit", 0);
      Duration wait = PrimitiveRequests.waitOf(body);
      answer(rc, primitives.acquirePermits(name, session, permits, limit, wait), result -> {
        switch (result.kind()) {
          case PERMITS_GRANTED -> EntryHandlers.json(rc, 200, held(name, session,
              ((PrimitiveResult.PermitsGranted) result).held()));
          case NO_PERMITS -> {
            PrimitiveResult.NoPermits n = (PrimitiveResult.NoPermits) result;
            throw ApiProblem.withMembers(ProblemType.NO_PERMITS, "Semaphore " + name + " has " + n.available()
                + " of " + n.limit() + " permits free, not " + permits,
                new JsonObject().put("available", n.available()).put("limit", n.limit()), null);
          }
          case CANCELLED -> throw new ApiProblem(ProblemType.NO_PERMITS, permits + " permits of semaphore " + name
              + " were not granted within waitMillis (" + wait.toMillis() + " ms); the session is no longer in line");
          case QUEUED -> throw new ApiProblem(ProblemType.NO_PERMITS, "Session " + session
              + " is already waiting in line for permits of semaphore " + name + " (position "
              + ((PrimitiveResult.Queued) result).position() + ") from an earlier acquire");
          default -> throw common(result);
        }
      });
    });
  }

  /** {@code DELETE /v1/semaphores/{name}?session=&permits=}. */
  public void releasePermits(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      ValidatedRequest request = PrimitiveRequests.validated(rc);
      long session = PrimitiveRequests.longParameter(request.getQuery().get("session"), ProblemError.QUERY, "session", 0);
      int permits = (int) PrimitiveRequests.longParameter(request.getQuery().get("permits"), ProblemError.QUERY,
          "permits", 1);
      answer(rc, primitives.releasePermits(name, session, permits), result -> {
        if (result instanceof PrimitiveResult.PermitsReleased r) {
          EntryHandlers.json(rc, 200, held(name, session, r.held()));
        } else if (result instanceof PrimitiveResult.NotHeld n) {
          throw ApiProblem.withMembers(ProblemType.PERMITS_NOT_HELD, "Session " + session + " holds " + n.held()
              + " permits of semaphore " + name + ", fewer than " + permits, new JsonObject().put("held", n.held()), null);
        } else {
          throw common(result);
        }
      });
    });
  }

  /** {@code GET /v1/semaphores/{name}}: an idle semaphore is 200 without a limit. */
  public void getSemaphore(RoutingContext rc) {
    guarded(rc, () -> {
      String name = PrimitiveRequests.name(rc);
      answer(rc, primitives.semaphore(name), found -> {
        JsonObject body = new JsonObject().put("semaphore", name);
        SemaphoreView s = found.orElse(null);
        if (s != null) {
          body.put("limit", s.limit()).put("available", s.available());
        }
        body.put("holders", permits(s == null ? List.of() : s.holders()));
        body.put("waiters", permits(s == null ? List.of() : s.waiters()));
        EntryHandlers.json(rc, 200, body);
      });
    });
  }

  private static JsonObject held(String name, long session, int held) {
    return new JsonObject().put("semaphore", name).put("session", session).put("held", held);
  }

  private static JsonArray permits(List<Permits> list) {
    JsonArray out = new JsonArray();
    for (Permits p : list) {
      out.add(new JsonObject().put("session", p.session()).put("permits", p.permits()));
    }
    return out;
  }
}
