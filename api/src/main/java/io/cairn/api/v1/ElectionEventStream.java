package io.cairn.api.v1;

import io.cairn.api.problem.Problems;
import io.cairn.coordination.CoordinationException;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.PrimitiveService.ElectionChanges;
import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code GET /v1/elections/{name}/events} stream: long polls {@link PrimitiveService#observe}
 * in a loop while the client is connected, and sends each change as an event whose id is the
 * election's revision, so that a client resumes with {@code Last-Event-ID}.
 *
 * <p>Without a revision to resume from, the first event is the election as it is now (the newest
 * change the group remembers), marked {@code reset}. If the group cannot be reached for the first
 * poll, the answer is a 503 problem; once the stream has started, a poll that fails is tried again
 * after the failure's {@code retryAfter}, and the stream stays open. Everything runs on the
 * request's context; a slow client (a full write queue) has its stream closed, as {@link
 * MemberEventStream} does.
 */
final class ElectionEventStream {
  private static final Logger log = LoggerFactory.getLogger(ElectionEventStream.class);

  /** How long one observe call waits for a change before it is made again. */
  static final Duration POLL = Duration.ofSeconds(30);

  private final RoutingContext rc;
  private final HttpServerResponse response;
  private final PrimitiveService primitives;
  private final String election;
  private final long heartbeatMillis;
  private long cursor;
  private boolean primed; // the leader at the cursor is known (or there is none to know)
  private long leaderSession; // the leader as of the last event sent, 0 for none or unknown
  private long leaderToken;
  private String leaderValue;
  private long timer = -1;
  private boolean started;
  private boolean closed;

  /** @param after the revision to resume after; below 0 to start with the election as it is now */
  ElectionEventStream(RoutingContext rc, PrimitiveService primitives, String election, long after,
      long heartbeatMillis) {
    this.rc = rc;
    this.response = rc.response();
    this.primitives = primitives;
    this.election = election;
    this.cursor = after;
    this.primed = after <= 0;
    this.heartbeatMillis = heartbeatMillis;
  }

  void start() {
    response.closeHandler(v -> release("the client went away"));
    response.exceptionHandler(e -> release("the connection failed: " + e));
    rc.request().connection().shutdownHandler(v -> finish());
    if (cursor < 0) {
      // the newest change the group remembers is the election as it is now
      primitives.observe(election, 0, Duration.ZERO).onComplete(ar -> {
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        List<LeaderChanged> changes = ar.result().changes();
        if (changes.isEmpty()) {
          open();
          write("no-leader", 0, new JsonObject().put("election", election).put("revision", 0).put("reset", true));
          cursor = 0;
        } else {
          LeaderChanged now = changes.get(changes.size() - 1);
          open();
          send(now, true);
        }
        poll();
      });
    } else {
      poll();
    }
  }

  private void poll() {
    if (closed) {
      return;
    }
    // Resuming after revision r: ask from r - 1, so that the change at r tells who led then.
    long after = primed ? cursor : cursor - 1;
    primitives.observe(election, after, started ? POLL : Duration.ZERO).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        if (!started) {
          fail(ar.cause());
          return;
        }
        Throwable cause = ar.cause();
        long retryMillis = cause instanceof CoordinationException c && c.retryAfter() != null
            ? Math.max(1, c.retryAfter().toMillis()) : 1_000;
        log.atDebug().addKeyValue("requestId", Problems.requestId(rc))
            .log("election {} events: observe failed, again in {} ms: {}", election, retryMillis, cause.toString());
        rc.vertx().setTimer(retryMillis, id -> poll());
        return;
      }
      open();
      ElectionChanges changes = ar.result();
      for (LeaderChanged change : changes.changes()) {
        if (change.index() > cursor) { // never an event twice, and never back in time
          send(change, changes.reset());
        } else if (change.index() == cursor && !changes.reset()) {
          remember(change);
        }
      }
      primed = true;
      poll();
    });
  }

  /** The response head, once: the stream has started. */
  private void open() {
    if (started || closed) {
      return;
    }
    started = true;
    ServerSentEvents.open(response);
    timer = rc.vertx().setPeriodic(heartbeatMillis, id -> write(null, 0, null));
    log.atDebug().addKeyValue("requestId", Problems.requestId(rc)).log("election {} event stream opened", election);
  }

  /**
   * Sends {@code change}; when it ends the leadership of the leader last sent (another leader, or
   * none), a {@code leader-lost} event naming that leader goes first. It has no id of its own (an
   * SSE client keeps the last id), so a client that resumes after the change it follows is told
   * of it again.
   */
  private void send(LeaderChanged change, boolean reset) {
    if (leaderSession != 0 && change.leaderSession() != leaderSession) {
      write("leader-lost", -1, new JsonObject().put("election", election).put("revision", change.index())
          .put("reset", reset).put("leader", ElectionHandlers.leader(leaderSession, leaderToken, leaderValue)));
    }
    remember(change);
    JsonObject data = new JsonObject().put("election", election).put("revision", change.index()).put("reset", reset);
    if (change.leaderSession() != 0) {
      data.put("leader", ElectionHandlers.leader(change.leaderSession(), change.token(), change.value()));
    }
    write(change.leaderSession() != 0 ? "leader" : "no-leader", change.index(), data);
    cursor = Math.max(cursor, change.index());
  }

  private void remember(LeaderChanged change) {
    leaderSession = change.leaderSession();
    leaderToken = change.token();
    leaderValue = change.value();
  }

  /** Writes one event (with no id when {@code id} is negative), or a heartbeat comment when {@code name} is null. */
  private void write(String name, long id, JsonObject data) {
    if (closed) {
      return;
    }
    String text = name == null
        ? ServerSentEvents.HEARTBEAT
        : (id >= 0 ? "id: " + id + "\n" : "") + "event: " + name + "\ndata: " + data.encode() + "\n\n";
    ServerSentEvents.write(rc, "an election event stream", text, this::release);
  }

  /** The stream has not started: the failure is the answer (a problem). */
  private void fail(Throwable cause) {
    if (!closed) {
      closed = true;
      rc.fail(cause);
    }
  }

  /** The server shuts the connection down: end the stream cleanly. */
  private void finish() {
    if (!closed && started) {
      release("the server shuts down");
      response.end();
    }
  }

  private void release(String why) {
    if (closed) {
      return;
    }
    closed = true;
    if (timer != -1) {
      rc.vertx().cancelTimer(timer);
    }
    log.atDebug().addKeyValue("requestId", Problems.requestId(rc)).log("election {} event stream closed: {}", election, why);
  }
}
