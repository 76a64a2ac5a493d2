package io.cairn.cache.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;

/**
 * Distinct event-loop contexts for concurrency tests. (Calling {@code vertx.getOrCreateContext()}
 * from a test thread returns the same "sticky" context every time, so work issued that way runs on
 * one thread.) Each context here belongs to its own deployed verticle; Vert.x spreads them over its
 * event-loop threads round robin.
 */
public final class Contexts {
  private Contexts() {}

  public static List<Context> distinct(Vertx vertx, int count) {
    List<Context> contexts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Promise<Context> captured = Promise.promise();
      Futures.await(vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          captured.complete(context);
          return Future.succeededFuture();
        }
      }));
      contexts.add(Futures.await(captured.future()));
    }
    return contexts;
  }
}
