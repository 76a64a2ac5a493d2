package io.cairn.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness;
import io.cairn.api.ContractFixture;
import io.cairn.api.problem.ProblemError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The checks compiled for getEntry, putEntry and deleteEntry give the same verdict as
 * vertx-openapi's own request validator, on the same inputs, for every parameter those operations
 * take. The byte limit of keys, which the contract cannot state, is tested apart.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HotPathEquivalenceTest {
  private static final String GOOD_CACHE = "users";
  private static final String GOOD_KEY = "k";

  private OpenAPIContract contract;
  private RequestValidator validator;

  @BeforeAll
  void load(Vertx vertx) {
    contract = ApiHarness.await(ContractFixture.contract(vertx));
    validator = RequestValidator.create(vertx, contract);
  }

  /** One input: path, query and header values by name (null: absent), and the body's length. */
  private record Input(Map<String, String> path, Map<String, String> query, Map<String, String> headers, int body) {
    static Input of(String cache, String key) {
      Map<String, String> path = new HashMap<>();
      path.put("cache", cache);
      path.put("key", key);
      return new Input(path, new HashMap<>(), new HashMap<>(), 1);
    }

    Input query(String name, String value) {
      Map<String, String> q = new HashMap<>(query);
      q.put(name, value);
      return new Input(path, q, headers, body);
    }

    Input header(String name, String value) {
      Map<String, String> h = new HashMap<>(headers);
      h.put(name, value);
      return new Input(path, query, h, body);
    }

    Input body(int length) {
      return new Input(path, query, headers, length);
    }

    @Override
    public String toString() {
      return "path=" + abbreviate(path) + " query=" + abbreviate(query) + " headers=" + abbreviate(headers) + " body=" + body;
    }

    private static String abbreviate(Map<String, String> m) {
      Map<String, String> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, v == null || v.length() < 40 ? v : v.substring(0, 12) + "…(" + v.length() + ")"));
      return out.toString();
    }
  }

  private static List<String> cacheNames() {
    return List.of("users", "a", "A.b_c-d", "0", "a..b", "x".repeat(128), "x".repeat(129), "", ".hidden", "-x",
        "_x", "a b", "a/b", "ü", "naïve", "a%2Fb", "a+b", "tab\tname", "trailing\n");
  }

  private static List<String> keys() {
    return List.of("k", "a/b", "with space", "ü".repeat(512), "é".repeat(1024), "x".repeat(1024), "x".repeat(1025),
        "😀".repeat(1024), "😀".repeat(1025), "", "%", "\u0000", "line\nbreak");
  }

  private static List<String> ttls() {
    List<String> ttls = new ArrayList<>(List.of("1", "60000", "abc", "-1", "0", "-0", "1.5", "1.0", "1e3", "1E3",
        "315360000000", "315360000001", "9223372036854775807", "9223372036854775808", "99999999999999999999999",
        "1" + "0".repeat(400), " 5", "5 ", "\t5\n", "+5", "05", "", " ", "0x10", "NaN", "Infinity", "-Infinity",
        "1,2", "\"5\"", "5abc", "true", "null", "[1]", "{}", "٣", "1_000"));
    ttls.add(null);
    return ttls;
  }

  private static List<String> entityTagHeaders() {
    List<String> values = new ArrayList<>(List.of("*", "\"1\"", "\"1\", \"2\"", "\"1\",\"2\"", "W/\"1\"",
        "\"1\", W/\"2\"", "\"\"", "\"abc\"", "\"a,b\"", "\"1\",", ", \"1\"", "\"1\" ,, \"2\"", "\"1\" \t, \"2\"",
        "abc", "1", "\"1", "1\"", "**", "*, \"1\"", "\"a b\"", "\"a\"b\"", "W/", "W/\"", "w/\"1\"", "W/ \"1\"",
        "\"é\"", "\"\u0080\"", "\"\u00ff\"", "\"\u0100\"", "\"\u007f\"", "", " ", ",", "\"1\" \"2\"",
        "\"" + "9".repeat(4000) + "\"", "\"" + "9".repeat(4094) + "\"", "\"" + "9".repeat(4095) + "\""));
    values.add(null);
    return values;
  }

  private static List<String> fences() {
    List<String> values = new ArrayList<>(List.of("lock=a", "election=a", "lock=A.b_c-d", "lock=0", "lock=",
        "lock", "=a", "mutex=a", "LOCK=a", "lock=-a", "lock=.a", "lock=a b", " lock=a", "lock=a ", "lock=a,lock=b",
        "lock=ü", "election=a/b", "lock==a", "lock=" + "x".repeat(256), "lock=" + "x".repeat(257),
        "election=" + "x".repeat(256), "", " "));
    values.add(null);
    return values;
  }

  private boolean vertxAccepts(String operationId, Input in) {
    Map<String, RequestParameter> path = params(in.path());
    Map<String, RequestParameter> query = params(in.query());
    Map<String, RequestParameter> headers = params(in.headers());
    // vertx-openapi matches a body's media type to the declared ones by prefix, so the wildcard
    // range matches only itself: hand it the declared range to test what the body rule says.
    RequestParameter body = new RequestParameterImpl(Buffer.buffer(new byte[in.body()]));
    Future<ValidatedRequest> verdict = validator.validate(
        new ValidatableRequestImpl(Map.of(), headers, path, query, body, "*/*"), operationId);
    try {
      verdict.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      return false;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, RequestParameter> params(Map<String, String> values) {
    Map<String, RequestParameter> out = new HashMap<>();
    values.forEach((k, v) -> {
      if (v != null) {
        out.put(k, new RequestParameterImpl(v));
      }
    });
    return out;
  }

  private static boolean compiledAccepts(OperationCheck check, Input in) {
    Map<String, Map<String, String>> values = Map.of("path", in.path(), "query", in.query(), "header", in.headers());
    return check.check(values, in.body()).isEmpty();
  }

  private List<Input> inputs(String operationId) {
    List<Input> inputs = new ArrayList<>();
    for (String cache : cacheNames()) {
      inputs.add(Input.of(cache, GOOD_KEY));
    }
    for (String key : keys()) {
      inputs.add(Input.of(GOOD_CACHE, key));
    }
    inputs.add(Input.of(GOOD_CACHE, GOOD_KEY).body(0));
    Input base = Input.of(GOOD_CACHE, GOOD_KEY);
    for (String ttl : ttls()) {
      inputs.add(base.query("ttlMillis", ttl));
    }
    for (String tags : entityTagHeaders()) {
      inputs.add(base.header("If-Match", tags));
      inputs.add(base.header("If-None-Match", tags));
    }
    for (String token : ttls()) {
      inputs.add(base.header("Cairn-Fencing-Token", token));
    }
    for (String fence : fences()) {
      inputs.add(base.header("Cairn-Fence", fence));
    }
    inputs.add(Input.of("-bad", "").query("ttlMillis", "abc").header("If-Match", "abc"));
    return inputs;
  }

  private void assertSameVerdicts(String operationId) {
    // No byte limit here: that is the part the contract cannot state (see below).
    OperationCheck check = OperationCheck.compile(contract.operation(operationId), Integer.MAX_VALUE);
    List<String> disagreements = new ArrayList<>();
    int valid = 0;
    List<Input> inputs = inputs(operationId);
    for (Input in : inputs) {
      boolean vertx = vertxAccepts(operationId, in);
      boolean compiled = compiledAccepts(check, in);
      if (vertx != compiled) {
        disagreements.add((vertx ? "Vert.x accepts, compiled refuses " : "Vert.x refuses, compiled accepts ") + in);
      }
      valid += vertx ? 1 : 0;
    }
    assertThat(disagreements).as(operationId).isEmpty();
    // the inputs are not all alike: both verdicts occur many times
    assertThat(valid).as("valid inputs of %s", operationId).isGreaterThan(10);
    assertThat(inputs.size() - valid).as("invalid inputs of %s", operationId).isGreaterThan(30);
  }

  @Test
  void getEntryChecksAgreeWithVertx() {
    assertSameVerdicts("getEntry");
  }

  @Test
  void putEntryChecksAgreeWithVertx() {
    assertSameVerdicts("putEntry");
  }

  @Test
  void deleteEntryChecksAgreeWithVertx() {
    assertSameVerdicts("deleteEntry");
  }

  @Test
  void theKeyByteLimitRefusesWhatTheContractsCharacterCountLetsThrough() {
    OperationCheck check = OperationCheck.compile(contract.operation("getEntry"), 1024);
    Map<String, Map<String, String>> values = new HashMap<>();
    for (String key : List.of("é".repeat(512), "x".repeat(1024), "😀".repeat(256))) {
      values.put("path", Map.of("cache", GOOD_CACHE, "key", key));
      assertThat(check.check(values, 1)).as("%d chars", key.length()).isEmpty();
    }
    for (String key : List.of("é".repeat(513), "é".repeat(1024), "😀".repeat(257), "x".repeat(1025))) {
      values.put("path", Map.of("cache", GOOD_CACHE, "key", key));
      List<ProblemError> errors = check.check(values, 1);
      assertThat(errors).singleElement().satisfies(e -> {
        assertThat(e.location()).isEqualTo("path");
        assertThat(e.name()).isEqualTo("key");
      });
    }
  }
}
