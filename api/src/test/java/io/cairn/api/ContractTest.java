package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.problem.ProblemType;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** openapi.yaml as outside tools read it: swagger-parser, as linters and client generators use it. */
class ContractTest {
  private static SwaggerParseResult result;
  private static OpenAPI api;

  @BeforeAll
  static void parse() throws IOException {
    String yaml;
    try (InputStream in = ContractTest.class.getClassLoader().getResourceAsStream(ContractSource.RESOURCE)) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    result = new OpenAPIV3Parser().readContents(yaml, null, options);
    api = result.getOpenAPI();
  }

  @Test
  void parsesWithoutErrorsOrWarnings() {
    assertThat(result.getMessages()).isEmpty();
    assertThat(api).isNotNull();
    assertThat(api.getOpenapi()).startsWith("3.0");
  }

  @Test
  void everyPathIsUnderV1AndEveryOperationHasAUniqueOperationId() {
    List<String> ids = new ArrayList<>();
    api.getPaths().forEach((path, item) -> {
      assertThat(path).startsWith("/v1/");
      for (Operation op : item.readOperations()) {
        assertThat(op.getOperationId()).as("operationId of an operation of %s", path).isNotBlank();
        assertThat(op.getTags()).as("tags of %s", op.getOperationId()).hasSize(1);
        ids.add(op.getOperationId());
      }
    });
    assertThat(ids).doesNotHaveDuplicates().hasSize(36);
  }

  @Test
  void theProblemTypesOfTheCodeAreExactlyTheContractsEnum() {
    io.swagger.v3.oas.models.media.Schema<?> problem = api.getComponents().getSchemas().get("Problem");
    io.swagger.v3.oas.models.media.Schema<?> typeSchema = (io.swagger.v3.oas.models.media.Schema<?>) problem.getProperties().get("type");
    List<?> declared = typeSchema.getEnum();
    Set<String> contract = declared.stream().map(Object::toString).collect(Collectors.toSet());
    Set<String> code = Arrays.stream(ProblemType.values()).map(ProblemType::uri).collect(Collectors.toSet());
    assertThat(code).isEqualTo(contract);
    // each type's status is the one the contract's table gives it
    String description = problem.getDescription();
    for (ProblemType type : ProblemType.values()) {
      assertThat(description).contains("| `" + type.uri() + "` | " + type.status() + " |");
    }
  }

  @Test
  void everyResponseDeclaresTheRequestIdHeader() {
    Set<String> missing = new HashSet<>();
    api.getPaths().forEach((path, item) -> {
      for (java.util.Map.Entry<PathItem.HttpMethod, Operation> e : item.readOperationsMap().entrySet()) {
        e.getValue().getResponses().forEach((status, declared) -> {
          io.swagger.v3.oas.models.responses.ApiResponse response = declared.get$ref() == null ? declared
              : api.getComponents().getResponses().get(declared.get$ref().substring("#/components/responses/".length()));
          if (response.getHeaders() == null || !response.getHeaders().containsKey("X-Request-Id")) {
            missing.add(e.getValue().getOperationId() + " " + status);
          }
        });
      }
    });
    assertThat(missing).isEmpty();
  }
}
