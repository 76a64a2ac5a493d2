package io.cairn.api.v1;

import io.cairn.api.problem.Problems;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the API's Server-Sent Events streams share: the response head, the heartbeat comment, and
 * a write that never buffers without bound (a client that reads so slowly that the write queue is
 * full has its stream closed; it reconnects).
 */
final class ServerSentEvents {
  private static final Logger log = LoggerFactory.getLogger(ServerSentEvents.class);

  /** Bytes a stream may have queued for a slow client; past it the stream is closed. */
  static final int MAX_QUEUED_BYTES = 256 * 1024;

  /** The comment sent every heartbeat so that proxies keep an idle stream open. */
  static final String HEARTBEAT = ": keep-alive\n\n";

  private static final CharSequence TEXT_EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

  private ServerSentEvents() {}

  /** Sets the head of a 200 event stream. */
  static void open(HttpServerResponse response) {
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_EVENT_STREAM)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE)
        .putHeader("X-Accel-Buffering", "no") // nginx: pass each event on at once
        .setWriteQueueMaxSize(MAX_QUEUED_BYTES);
  }

  /**
   * Writes {@code text} to the stream of {@code stream} (named for the log); when the client reads
   * too slowly, calls {@code release} and closes the stream instead. A write that fails calls
   * {@code release} too.
   */
  static void write(RoutingContext rc, String stream, String text, Consumer<String> release) {
    HttpServerResponse response = rc.response();
    if (response.writeQueueFull()) {
      log.atInfo().addKeyValue("requestId", Problems.requestId(rc))
          .log("closing {}: the client reads too slowly ({} bytes queued)", stream, MAX_QUEUED_BYTES);
      release.accept("the client reads too slowly");
      response.reset(); // HTTP/1.x: closes the connection; HTTP/2: resets the stream
      return;
    }
    response.write(text).onFailure(e -> release.accept("a write failed: " + e));
  }
}
