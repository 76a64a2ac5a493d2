package io.cairn.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.Router;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP requests in flight on this node, across every HTTP verticle: the gauge
 * {@code cairn_http_requests_active}. A request counts from its headers to the end of its
 * response (or its connection's close), so a shutdown's drain can be watched.
 */
public final class ActiveRequests {
  private final LongAdder active = new LongAdder();

  public ActiveRequests(MeterRegistry registry) {
    Gauge.builder("cairn.http.requests.active", active, LongAdder::sum)
        .description("HTTP requests received and not yet answered")
        .register(registry);
  }

  /** Counts every request of {@code router}: adds a route with {@code order} ahead of all others. */
  public void addTo(Router router, int order) {
    router.route().order(order).handler(ctx -> {
      active.increment();
      ctx.addEndHandler(ended -> active.decrement());
      ctx.next();
    });
  }

  public long count() {
    return active.sum();
  }
}
