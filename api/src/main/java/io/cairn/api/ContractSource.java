package io.cairn.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * openapi.yaml as the jar carries it: its bytes, the same document as JSON, and the
 * {@link OpenAPIContract} vertx-openapi builds from it.
 */
record ContractSource(Buffer yaml, Buffer json, OpenAPIContract contract) {
  /** Where api/pom.xml puts the copy of the repository's openapi.yaml. */
  public static final String RESOURCE = "io/cairn/api/openapi.yaml";

  /** Reads the contract (on a worker thread) and builds it. */
  public static Future<ContractSource> load(Vertx vertx) {
    return vertx.executeBlocking(ContractSource::readDocument, false)
        .compose(doc -> OpenAPIContract.builder(vertx)
            .setContract(new JsonObject(doc[1]))
            .mediaTypeRegistry(MediaTypes.registry())
            .build()
            .map(contract -> new ContractSource(doc[0], doc[1], contract)));
  }

  /** The YAML bytes and the same document as JSON. Blocking. */
  static Buffer[] readDocument() {
    try (InputStream in = ContractSource.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + RESOURCE + " on the classpath");
      }
      byte[] yaml = in.readAllBytes();
      JsonNode tree = new YAMLMapper().readTree(yaml);
      byte[] json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
      return new Buffer[] {Buffer.buffer(yaml), Buffer.buffer(json)};
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
