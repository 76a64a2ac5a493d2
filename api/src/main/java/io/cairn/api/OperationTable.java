package io.cairn.api;

import io.cairn.api.v1.CacheHandlers;
import io.cairn.api.v1.ClusterHandlers;
import io.cairn.api.v1.EntryHandlers;
import io.cairn.api.v1.MetaHandlers;
import io.cairn.api.v1.RegisterHandlers;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one table that binds every operation of openapi.yaml, by operationId, to its handler, and
 * says whether the OpenAPI router validates its requests. An operation without a handler, or a
 * handler without an operation, stops startup.
 */
final class OperationTable {
  /** The routing-context key of the operationId (a String) that handles the request. */
  static final String OPERATION = "cairn.operation";

  /**
   * @param validated true: vertx-openapi validates the request; false: the handler's own checks,
   *     compiled from the contract, do (the hot data-plane operations)
   */
  record Binding(Handler<RoutingContext> handler, boolean validated) {}

  private OperationTable() {}

  static Map<String, Binding> of(MetaHandlers meta, CacheHandlers caches, EntryHandlers entries,
      ClusterHandlers cluster, RegisterHandlers registers, CairnApi.Coordination coordination) {
    Map<String, Binding> table = new LinkedHashMap<>();
    // meta
    table.put("getOpenApiYaml", new Binding(meta::getOpenApiYaml, true));
    table.put("getOpenApiJson", new Binding(meta::getOpenApiJson, true));
    // caches
    table.put("listCaches", new Binding(caches::listCaches, true));
    table.put("putCache", new Binding(caches::putCache, true));
    table.put("getCache", new Binding(caches::getCache, true));
    table.put("deleteCache", new Binding(caches::deleteCache, true));
    // entries: the hot three are checked by compiled checks, the rest by the router
    table.put("getEntry", new Binding(entries::getEntry, false));
    table.put("putEntry", new Binding(entries::putEntry, false));
    table.put("deleteEntry", new Binding(entries::deleteEntry, false));
    table.put("getEntries", new Binding(entries::getEntries, true));
    table.put("listKeys", new Binding(entries::listKeys, true));
    // cluster: not hot, validated by the router
    table.put("listMembers", new Binding(cluster::listMembers, true));
    table.put("getPartitions", new Binding(cluster::getPartitions, true));
    table.put("getMember", new Binding(cluster::getMember, true));
    table.put("watchMembers", new Binding(cluster::watchMembers, true));
    table.put("getRaftStatus", new Binding(cluster::getRaftStatus, true));
    // registers and counters: validated by the router
    table.put("getRegister", new Binding(registers::getRegister, true));
    table.put("putRegister", new Binding(registers::putRegister, true));
    table.put("deleteRegister", new Binding(registers::deleteRegister, true));
    table.put("getCounter", new Binding(registers::getCounter, true));
    table.put("addToCounter", new Binding(registers::addToCounter, true));
    // sessions, locks, elections and semaphores: validated by the router
    var sessions = coordination.sessions();
    table.put("createSession", new Binding(sessions::createSession, true));
    table.put("getSession", new Binding(sessions::getSession, true));
    table.put("keepAliveSession", new Binding(sessions::keepAliveSession, true));
    table.put("closeSession", new Binding(sessions::closeSession, true));
    var locks = coordination.locks();
    table.put("acquireLock", new Binding(locks::acquireLock, true));
    table.put("getLock", new Binding(locks::getLock, true));
    table.put("releaseLock", new Binding(locks::releaseLock, true));
    var elections = coordination.elections();
    table.put("campaign", new Binding(elections::campaign, true));
    table.put("getElection", new Binding(elections::getElection, true));
    table.put("proclaim", new Binding(elections::proclaim, true));
    table.put("resign", new Binding(elections::resign, true));
    table.put("observeElection", new Binding(elections::observeElection, true));
    var semaphores = coordination.semaphores();
    table.put("acquirePermits", new Binding(semaphores::acquirePermits, true));
    table.put("getSemaphore", new Binding(semaphores::getSemaphore, true));
    table.put("releasePermits", new Binding(semaphores::releasePermits, true));
    return Collections.unmodifiableMap(table);
  }

  /** Fails unless the contract's operations and the table's operationIds are the same set. */
  static void verify(Collection<String> contractOperations, Set<String> tableOperations) {
    Set<String> unbound = new TreeSet<>(contractOperations);
    unbound.removeAll(tableOperations);
    Set<String> unknown = new TreeSet<>(tableOperations);
    unknown.removeAll(contractOperations);
    if (!unbound.isEmpty() || !unknown.isEmpty()) {
      StringBuilder message = new StringBuilder("openapi.yaml and the handler table disagree:");
      if (!unbound.isEmpty()) {
        message.append(" operations without a handler ").append(unbound).append(';');
      }
      if (!unknown.isEmpty()) {
        message.append(" handlers without an operation ").append(unknown).append(';');
      }
      throw new IllegalStateException(message.substring(0, message.length() - 1));
    }
  }

  /** Binds every route of the builder to its handler, after checking that the two sets agree. */
  static void bind(RouterBuilder builder, Map<String, Binding> table) {
    verify(builder.getRoutes().stream().map(r -> r.getOperation().getOperationId()).toList(), table.keySet());
    for (OpenAPIRoute route : builder.getRoutes()) {
      String operationId = route.getOperation().getOperationId();
      Binding binding = table.get(operationId);
      Handler<RoutingContext> handler = binding.handler();
      route.setDoValidation(binding.validated())
          .addHandler(rc -> {
            rc.put(OPERATION, operationId);
            handler.handle(rc);
          });
    }
  }
}
