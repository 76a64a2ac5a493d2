package io.cairn.api;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/** An open Server-Sent Events stream of the API under test: what has arrived so far, and whether it ended. */
final class EventStream {
  static final Duration DEADLINE = Duration.ofSeconds(20);

  final StringBuffer text = new StringBuffer();
  final AtomicBoolean ended = new AtomicBoolean();
  final HttpClientResponse response;
  private final ApiHarness api;
  private final String uri;

  /** {@code GET uri} with these headers (name, value, name, value...). */
  EventStream(ApiHarness api, String uri, String... headers) {
    this.api = api;
    this.uri = uri;
    // The handlers are set on the connection's event loop, before any chunk can arrive.
    response = ApiHarness.await(api.client.request(GET, uri).compose(req -> {
      for (int i = 0; i < headers.length; i += 2) {
        req.putHeader(headers[i], headers[i + 1]);
      }
      return req.send();
    }).map(r -> {
      r.handler(b -> text.append(b.toString(StandardCharsets.UTF_8)));
      r.endHandler(v -> ended.set(true));
      r.exceptionHandler(e -> ended.set(true));
      return r;
    }));
  }

  /** The complete events received so far, comments left out. */
  List<Map<String, String>> events() {
    List<Map<String, String>> out = new ArrayList<>();
    String all = text.toString();
    int end = all.lastIndexOf("\n\n");
    if (end < 0) {
      return out;
    }
    for (String block : all.substring(0, end).split("\n\n")) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String line : block.split("\n")) {
        if (!line.startsWith(":")) {
          int colon = line.indexOf(':');
          assertThat(colon).as("a line of an event in %s", all).isPositive();
          fields.put(line.substring(0, colon), line.substring(colon + 1).stripLeading());
        }
      }
      if (!fields.isEmpty()) {
        out.add(fields);
      }
    }
    return out;
  }

  Map<String, String> awaitEvent(int index) {
    Awaitility.await().atMost(DEADLINE).until(() -> events().size() > index);
    return events().get(index);
  }

  /** The headers and the text so far, checked against the contract like every other response. */
  void validate() {
    api.validate(GET, uri, reply());
  }

  /** The whole answer of a request that was refused (the stream never started), checked against the contract. */
  Reply asReply() {
    Awaitility.await().atMost(DEADLINE).untilTrue(ended);
    Reply r = reply();
    api.validate(GET, uri, r);
    return r;
  }

  void close() {
    ApiHarness.await(response.request().connection().close());
  }

  private Reply reply() {
    return new Reply(response.statusCode(), MultiMap.caseInsensitiveMultiMap().addAll(response.headers()),
        Buffer.buffer(text.toString()));
  }
}
