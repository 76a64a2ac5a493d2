package io.cairn.api.v1;

import io.cairn.api.problem.Problems;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code GET /v1/cluster/events} stream: the snapshot, then each membership change as it
 * happens, and a comment line every heartbeat.
 *
 * <p>Everything runs on the request's context: the membership calls the listener on any thread,
 * and the listener only hands the event over with {@code runOnContext}, which keeps the order.
 * It never blocks and never buffers without bound: when the client reads so slowly that the
 * response's write queue is full, the stream is closed (the client reconnects and gets a fresh
 * snapshot). It unsubscribes when the client goes away, and ends the response cleanly when the
 * server shuts the connection down.
 */
final class MemberEventStream {
  private static final Logger log = LoggerFactory.getLogger(MemberEventStream.class);

  private final RoutingContext rc;
  private final HttpServerResponse response;
  private final Membership membership;
  private final long heartbeatMillis;
  private final NodeId self;
  private Context context;
  private Runnable unsubscribe;
  private long timer = -1;
  private long sequence;
  private boolean closed;

  MemberEventStream(RoutingContext rc, Membership membership, long heartbeatMillis) {
    this.rc = rc;
    this.response = rc.response();
    this.membership = membership;
    this.heartbeatMillis = heartbeatMillis;
    this.self = membership.local().id();
  }

  void start() {
    context = Vertx.currentContext();
    Vertx vertx = rc.vertx();
    ServerSentEvents.open(response);
    response.closeHandler(v -> release("the client went away"));
    response.exceptionHandler(e -> release("the connection failed: " + e));
    rc.request().connection().shutdownHandler(v -> finish());
    // Subscribe before the snapshot: a change made meanwhile is sent after it (perhaps twice,
    // which changes nothing), never lost. The events queue up behind this handler on the context.
    unsubscribe = membership.subscribe(event -> context.runOnContext(v -> send(event)));
    write("snapshot", MemberViews.memberList(membership).encode());
    if (!closed) {
      timer = vertx.setPeriodic(heartbeatMillis, id -> write(null, null));
    }
    log.atDebug().addKeyValue("requestId", Problems.requestId(rc)).log("membership event stream opened");
  }

  private void send(MemberEvent event) {
    if (!closed) {
      write(MemberViews.lower(event.kind()), MemberViews.event(event, self, membership).encode());
    }
  }

  /** Writes one event, or a heartbeat comment when {@code name} is null. */
  private void write(String name, String json) {
    if (closed) {
      return;
    }
    String text = name == null
        ? ServerSentEvents.HEARTBEAT
        : "event: " + name + "\nid: " + sequence++ + "\ndata: " + json + "\n\n";
    ServerSentEvents.write(rc, "a membership event stream", text, this::release);
  }

  /** The server shuts the connection down: end the stream cleanly. */
  private void finish() {
    if (!closed) {
      release("the server shuts down");
      response.end();
    }
  }

  /** Stops the events and the heartbeat; idempotent. */
  private void release(String why) {
    if (closed) {
      return;
    }
    closed = true;
    if (unsubscribe != null) {
      unsubscribe.run();
    }
    if (timer != -1) {
      rc.vertx().cancelTimer(timer);
    }
    log.atDebug().addKeyValue("requestId", Problems.requestId(rc)).log("membership event stream closed: {}", why);
  }
}
