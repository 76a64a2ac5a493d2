package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.testing.FakeMembership;
import io.cairn.api.v1.CacheHandlers;
import io.cairn.api.v1.ClusterHandlers;
import io.cairn.api.v1.EntryHandlers;
import io.cairn.api.v1.FencedWrites;
import io.cairn.api.v1.MetaHandlers;
import io.cairn.api.v1.RegisterHandlers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.junit5.VertxExtension;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The operationId → handler table and openapi.yaml must name the same operations, both ways. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationTableTest {
  private Vertx vertx;
  private ContractSource source;
  private Map<String, OperationTable.Binding> table;

  @BeforeAll
  void load(Vertx vertx) {
    this.vertx = vertx;
    source = ApiHarness.await(ContractSource.load(vertx));
    InMemoryCacheService caches = new InMemoryCacheService(1024, 1024);
    table = OperationTable.of(new MetaHandlers(Buffer.buffer(), Buffer.buffer()), new CacheHandlers(caches),
        new EntryHandlers(caches, new LocalPrimitives(vertx), FencedWrites.of(vertx), ApiTestBase.SETTINGS,
            source.contract()),
        new ClusterHandlers(new FakeMembership("self"), new LocalRegisters()::status, ClusterHandlers.HEARTBEAT, caches),
        new RegisterHandlers(new LocalRegisters()), new CairnApi.Coordination(new LocalPrimitives(vertx),
            ClusterHandlers.HEARTBEAT));
  }

  private RouterBuilder builder() {
    return RouterBuilder.create(vertx, source.contract());
  }

  @Test
  void theRealTableBindsEveryOperation() {
    RouterBuilder builder = builder();
    OperationTable.bind(builder, table);
    assertThat(builder.getRoutes()).allSatisfy(route -> assertThat(route.getHandlers()).hasSize(1));
    assertThat(table.keySet()).hasSize(source.contract().operations().size());
    assertThat(ApiHarness.await(CairnApi.router(vertx, new InMemoryCacheService(1024, 1024), new FakeMembership("self"),
        new LocalRegisters(), new LocalPrimitives(vertx), new LocalRegisters()::status, ApiTestBase.SETTINGS, new SimpleMeterRegistry()))).isNotNull();
  }

  @Test
  void anOperationWithoutAHandlerStopsStartup() {
    Map<String, OperationTable.Binding> missing = new LinkedHashMap<>(table);
    missing.remove("listKeys");
    assertThatThrownBy(() -> OperationTable.bind(builder(), missing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("operations without a handler [listKeys]")
        .hasMessageNotContaining("handlers without an operation");
  }

  @Test
  void aHandlerWithoutAnOperationStopsStartup() {
    Map<String, OperationTable.Binding> extra = new LinkedHashMap<>(table);
    extra.put("compactCache", new OperationTable.Binding(rc -> rc.end(), true));
    assertThatThrownBy(() -> OperationTable.bind(builder(), extra))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("handlers without an operation [compactCache]")
        .hasMessageNotContaining("operations without a handler");
  }

  @Test
  void theHotOperationsAndOnlyThoseSkipTheRoutersValidation() {
    Map<String, Boolean> validated = new LinkedHashMap<>();
    table.forEach((id, binding) -> validated.put(id, binding.validated()));
    assertThat(validated).containsOnly(
        Map.entry("getOpenApiYaml", true), Map.entry("getOpenApiJson", true), Map.entry("listCaches", true),
        Map.entry("putCache", true), Map.entry("getCache", true), Map.entry("deleteCache", true),
        Map.entry("getEntries", true), Map.entry("listKeys", true),
        Map.entry("listMembers", true), Map.entry("getMember", true), Map.entry("watchMembers", true),
        Map.entry("getPartitions", true),
        Map.entry("getRaftStatus", true), Map.entry("getRegister", true), Map.entry("putRegister", true),
        Map.entry("deleteRegister", true), Map.entry("getCounter", true), Map.entry("addToCounter", true),
        Map.entry("createSession", true), Map.entry("getSession", true), Map.entry("keepAliveSession", true),
        Map.entry("closeSession", true), Map.entry("acquireLock", true), Map.entry("getLock", true),
        Map.entry("releaseLock", true), Map.entry("campaign", true), Map.entry("getElection", true),
        Map.entry("proclaim", true), Map.entry("resign", true), Map.entry("observeElection", true),
        Map.entry("acquirePermits", true), Map.entry("getSemaphore", true), Map.entry("releasePermits", true),
        Map.entry("getEntry", false), Map.entry("putEntry", false), Map.entry("deleteEntry", false));
  }
}
