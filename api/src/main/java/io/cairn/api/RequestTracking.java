package io.cairn.api;

import io.cairn.api.problem.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every request: gives it a request id (the client's {@code X-Request-Id}
 * when it is 1 to 64 characters of {@code [A-Za-z0-9._-]}, else a new one), sets that id on the
 * response, and when the response ends records the {@code cairn.http.requests} timer and writes
 * the DEBUG access log line.
 */
final class RequestTracking implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(RequestTracking.class);

  static final String METRIC = "cairn.http.requests";
  static final String UNMATCHED = "unmatched";

  /** A random prefix per process and a counter: unique enough, and no UUID per request. */
  private static final String PREFIX = Long.toString(new SecureRandom().nextLong() >>> 1, 36);
  private static final AtomicLong COUNTER = new AtomicLong();

  private final MeterRegistry registry;
  private final OpenAPIContract contract;
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  private record TimerKey(String operation, String method, int status) {}

  RequestTracking(MeterRegistry registry, OpenAPIContract contract) {
    this.registry = registry;
    this.contract = contract;
  }

  @Override
  public void handle(RoutingContext rc) {
    long start = System.nanoTime();
    String id = rc.request().getHeader(Problems.X_REQUEST_ID);
    if (!isValidId(id)) {
      id = newId();
    }
    rc.put(Problems.REQUEST_ID, id);
    rc.response().putHeader(Problems.X_REQUEST_ID, id);
    String requestId = id;
    rc.addEndHandler(ar -> finished(rc, requestId, start));
    rc.next();
  }

  static String newId() {
    return PREFIX + "-" + Long.toString(COUNTER.incrementAndGet(), 36);
  }

  static boolean isValidId(String id) {
    if (id == null || id.isEmpty() || id.length() > 64) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private void finished(RoutingContext rc, String id, long start) {
    long nanos = System.nanoTime() - start;
    HttpServerRequest request = rc.request();
    int status = rc.response().getStatusCode();
    String operation = operation(rc);
    String method = method(request.method());
    timers.computeIfAbsent(new TimerKey(operation, method, status), this::timer).record(nanos, TimeUnit.NANOSECONDS);
    if (log.isDebugEnabled()) {
      log.atDebug().addKeyValue("requestId", id)
          .log("{} {} {} {} {}us", method, request.path(), status, operation, nanos / 1000);
    }
  }

  /** The operationId that handled the request; the contract's, when validation failed before it. */
  private String operation(RoutingContext rc) {
    String operation = rc.get(OperationTable.OPERATION);
    if (operation != null) {
      return operation;
    }
    String path = rc.request().path();
    if (path != null && path.startsWith("/")) {
      Operation op = contract.findOperation(path, rc.request().method());
      if (op != null) {
        return op.getOperationId();
      }
    }
    return UNMATCHED;
  }

  private static String method(HttpMethod method) {
    switch (method.name()) {
      case "GET": case "PUT": case "POST": case "DELETE": case "HEAD": case "PATCH": case "OPTIONS":
        return method.name();
      default:
        return "OTHER";
    }
  }

  private Timer timer(TimerKey key) {
    return Timer.builder(METRIC)
        .description("HTTP requests of the /v1 API, by operationId, method and status")
        .tags("operation", key.operation(), "method", key.method(), "status", Integer.toString(key.status()))
        .register(registry);
  }
}
