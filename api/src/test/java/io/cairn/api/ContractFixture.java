package io.cairn.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.openapi.contract.OpenAPIContract;

/** The contract as the router loads it, for tests of any package. */
public final class ContractFixture {
  private ContractFixture() {}

  public static Future<OpenAPIContract> contract(Vertx vertx) {
    return ContractSource.load(vertx).map(ContractSource::contract);
  }
}
