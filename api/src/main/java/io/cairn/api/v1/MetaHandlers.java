package io.cairn.api.v1;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/** The operations of the {@code meta} tag: the contract itself, as YAML and as JSON. */
public final class MetaHandlers {
  private static final CharSequence APPLICATION_YAML = HttpHeaders.createOptimized("application/yaml");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final Buffer yaml;
  private final Buffer json;

  /**
   * @param yaml openapi.yaml byte for byte
   * @param json the same document as JSON
   */
  public MetaHandlers(Buffer yaml, Buffer json) {
    this.yaml = yaml;
    this.json = json;
  }

  /** {@code GET /v1/openapi.yaml}: the file as it is. */
  public void getOpenApiYaml(RoutingContext rc) {
    rc.response().putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_YAML).end(yaml);
  }

  /** {@code GET /v1/openapi.json}: the same document as JSON. */
  public void getOpenApiJson(RoutingContext rc) {
    rc.response().putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(json);
  }
}
