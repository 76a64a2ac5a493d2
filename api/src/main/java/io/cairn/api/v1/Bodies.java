package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemType;
import io.cairn.api.problem.Problems;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body with a limit, without Vert.x Web's BodyHandler: a declared
 * {@code Content-Length} over the limit is refused before a byte of the body is read (and before
 * {@code 100 Continue}), and a body that grows past the limit while it streams is refused at once;
 * what the client still sends is dropped, never buffered.
 */
public final class Bodies {
  private Bodies() {}

  /**
   * The whole body, or a failed Future holding an {@link ApiProblem} of {@code tooLarge}.
   * Must be called in the handler that the request was routed to, before it waits for anything.
   */
  public static Future<Buffer> read(RoutingContext rc, long limit, ProblemType tooLarge) {
    HttpServerRequest request = rc.request();
    long declared = contentLength(request);
    if (declared > limit) {
      return Future.failedFuture(tooLarge(tooLarge, "is " + declared + " bytes", limit));
    }
    if (request.isEnded()) {
      return Future.succeededFuture(Buffer.buffer());
    }
    String expect = request.getHeader(HttpHeaders.EXPECT);
    if (expect != null && expect.equalsIgnoreCase("100-continue") && request.version() != HttpVersion.HTTP_1_0) {
      rc.put(Problems.CONTINUE_SENT, Boolean.TRUE);
      rc.response().writeContinue();
    }
    Reader reader = new Reader(request, limit, tooLarge, declared);
    try {
      request.handler(reader).endHandler(reader::end).exceptionHandler(reader::failed).resume();
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    return reader.promise.future();
  }

  /** Whether the request declares a body (a Content-Length above zero, or chunked). */
  public static boolean hasBody(HttpServerRequest request) {
    return contentLength(request) > 0 || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        || request.version() == HttpVersion.HTTP_2;
  }

  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ApiProblem tooLarge(ProblemType type, String what, long limit) {
    String subject = type == ProblemType.VALUE_TOO_LARGE ? "The value" : "The request body";
    return new ApiProblem(type, subject + " " + what + "; the limit is " + limit + " bytes");
  }

  private static final class Reader implements Handler<Buffer> {
    final Promise<Buffer> promise = Promise.promise();
    final HttpServerRequest request;
    final long limit;
    final ProblemType tooLarge;
    final Buffer body;
    boolean over;

    Reader(HttpServerRequest request, long limit, ProblemType tooLarge, long declared) {
      this.request = request;
      this.limit = limit;
      this.tooLarge = tooLarge;
      this.body = Buffer.buffer(declared > 0 ? (int) Math.min(declared, 64 * 1024) : 1024);
    }

    @Override
    public void handle(Buffer chunk) {
      if (over) {
        return;
      }
      if ((long) body.length() + chunk.length() > limit) {
        over = true;
        promise.tryFail(tooLarge(tooLarge, "is over the limit", limit));
        return;
      }
      body.appendBuffer(chunk);
    }

    void end(Void ignored) {
      if (!over) {
        promise.tryComplete(body);
      }
    }

    void failed(Throwable t) {
      promise.tryFail(t);
    }
  }
}
