package io.cairn.api;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemType;
import io.cairn.api.problem.Problems;
import io.cairn.api.v1.Bodies;
import io.cairn.api.v1.CacheHandlers;
import io.cairn.api.v1.ClusterHandlers;
import io.cairn.api.v1.ElectionHandlers;
import io.cairn.api.v1.EntryHandlers;
import io.cairn.api.v1.FencedWrites;
import io.cairn.api.v1.LockHandlers;
import io.cairn.api.v1.MetaHandlers;
import io.cairn.api.v1.RegisterHandlers;
import io.cairn.api.v1.SemaphoreHandlers;
import io.cairn.api.v1.SessionHandlers;
import io.cairn.cache.CacheService;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.RaftStatus;
import io.cairn.coordination.RegisterService;
import io.cairn.membership.Membership;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.ValidatableRequest;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** Builds the /v1 router from openapi.yaml. */
public final class CairnApi {
  private CairnApi() {}

  /**
   * A router with every operation of openapi.yaml bound by operationId, problem+json errors
   * and per-operation metrics. The node adds its own routes (/health, /metrics) to it.
   *
   * <p>Call it once per HTTP verticle; the routers share {@code caches}, {@code membership},
   * {@code registers} and {@code primitives} (sessions, locks, elections, semaphores).
   * The Future fails when the contract does not load or does not match the handler table.
   */
  public static Future<Router> router(Vertx vertx, CacheService caches, Membership membership,
      RegisterService registers, PrimitiveService primitives, Supplier<Future<RaftStatus>> raft, ApiSettings settings,
      MeterRegistry registry) {
    return router(vertx, caches, membership, registers, primitives, raft, settings, registry, ClusterHandlers.HEARTBEAT);
  }

  /** As above, with the event streams' heartbeat given (tests shorten it). */
  static Future<Router> router(Vertx vertx, CacheService caches, Membership membership, RegisterService registers,
      PrimitiveService primitives, Supplier<Future<RaftStatus>> raft, ApiSettings settings, MeterRegistry registry,
      Duration heartbeat) {
    return ContractSource.load(vertx).compose(source -> {
      try {
        return Future.succeededFuture(build(vertx, source, caches, new ClusterHandlers(membership, raft, heartbeat, caches),
            new RegisterHandlers(registers), new Coordination(primitives, heartbeat), settings, registry));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
  }

  static Router build(Vertx vertx, ContractSource source, CacheService caches, ClusterHandlers cluster,
      RegisterHandlers registers, Coordination coordination, ApiSettings settings, MeterRegistry registry) {
    Map<String, OperationTable.Binding> table = OperationTable.of(
        new MetaHandlers(source.yaml(), source.json()),
        new CacheHandlers(caches),
        new EntryHandlers(caches, coordination.primitives(), FencedWrites.of(vertx), settings, source.contract()),
        cluster,
        registers,
        coordination);
    RouterBuilder builder = RouterBuilder.create(vertx, source.contract(), jsonBodies(settings.maxJsonBodyBytes()));
    builder.rootHandler(new RequestTracking(registry, source.contract()));
    builder.rootHandler(new PathGuard());
    OperationTable.bind(builder, table);
    Router router = builder.createRouter();
    router.route().failureHandler(Problems.handler());
    router.errorHandler(404, Problems.handler());
    router.errorHandler(405, Problems.handler());
    return router;
  }

  /** The handlers of the coordination primitives: sessions, locks, elections and semaphores. */
  record Coordination(PrimitiveService primitives, SessionHandlers sessions, LockHandlers locks,
      ElectionHandlers elections, SemaphoreHandlers semaphores) {
    Coordination(PrimitiveService primitives, Duration heartbeat) {
      this(primitives, new SessionHandlers(primitives), new LockHandlers(primitives),
          new ElectionHandlers(primitives, heartbeat), new SemaphoreHandlers(primitives));
    }
  }

  /**
   * Hands the router's validator the request of an operation with a JSON body: a body of a media
   * type the operation does not take is refused (415) before it is read, and the body is read up
   * to {@code maxBytes} (413 past it), never buffered whole by a BodyHandler.
   */
  private static RequestExtractor jsonBodies(long maxBytes) {
    return (rc, operation) -> {
      RequestBody body = operation.getRequestBody();
      if (body == null) {
        return RequestUtils.extract(rc.request(), operation, () -> Future.succeededFuture(null));
      }
      String contentType = rc.request().getHeader(HttpHeaders.CONTENT_TYPE);
      String normalized = contentType == null ? null : contentType.toLowerCase(Locale.ROOT);
      if (Bodies.hasBody(rc.request()) && (normalized == null || body.determineContentType(normalized) == null)) {
        return Future.failedFuture(new ApiProblem(ProblemType.UNSUPPORTED_MEDIA_TYPE,
            "This operation takes a body of " + String.join(" or ", body.getContent().keySet())
                + (contentType == null ? ", and the request names no Content-Type" : ", not " + contentType)));
      }
      return RequestUtils.extract(rc.request(), operation,
              () -> Bodies.read(rc, maxBytes, ProblemType.PAYLOAD_TOO_LARGE))
          .map(request -> normalized == null || normalized.equals(contentType)
              ? request : new ContentTypeOverride(request, normalized));
    };
  }

  /** A request whose Content-Type is given in lower case, as vertx-openapi compares it. */
  private record ContentTypeOverride(ValidatableRequest request, String contentType) implements ValidatableRequest {
    @Override
    public Map<String, RequestParameter> getCookies() {
      return request.getCookies();
    }

    @Override
    public Map<String, RequestParameter> getHeaders() {
      return request.getHeaders();
    }

    @Override
    public Map<String, RequestParameter> getPathParameters() {
      return request.getPathParameters();
    }

    @Override
    public Map<String, RequestParameter> getQuery() {
      return request.getQuery();
    }

    @Override
    public RequestParameter getBody() {
      return request.getBody();
    }

    @Override
    public String getContentType() {
      return contentType;
    }
  }

}
