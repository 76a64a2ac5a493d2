package io.cairn.api;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.coordination.CoordinationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Elections over HTTP, and their leader as Server-Sent Events. */
class ElectionApiTest extends PrimitivesTestBase {

  private Reply campaign(String election, long session, String value, long waitMillis) {
    return send(POST, "/v1/elections/" + election + "/candidates",
        new JsonObject().put("session", session).put("value", value).put("waitMillis", waitMillis));
  }

  private Reply resign(String election, long session, long token) {
    return send(POST, "/v1/elections/" + election + "/resign", new JsonObject().put("session", session).put("token", token));
  }

  private Reply proclaim(String election, long session, long token, String value) {
    return send(PUT, "/v1/elections/" + election + "/leader",
        new JsonObject().put("session", session).put("token", token).put("value", value));
  }

  @Test
  void theFirstCandidateLeadsProclaimsAndResignsAndTheNextOneLeads() {
    long a = session();
    long b = session();
    Reply elected = campaign("sched", a, "host-a", 0);
    assertThat(elected.status()).isEqualTo(200);
    long token = elected.json().getLong("token");
    assertThat(elected.json()).isEqualTo(new JsonObject().put("election", "sched").put("session", a).put("elected", true)
        .put("token", token));

    Reply queued = campaign("sched", b, "host-b", 0);
    assertThat(queued.json()).isEqualTo(new JsonObject().put("election", "sched").put("session", b).put("elected", false)
        .put("position", 2));
    assertThat(campaign("sched", a, "ignored", 0).json().getLong("token")).isEqualTo(token);

    Reply shown = api.send(GET, "/v1/elections/sched");
    assertThat(shown.json()).isEqualTo(new JsonObject().put("election", "sched")
        .put("leader", new JsonObject().put("session", a).put("token", token).put("value", "host-a"))
        .put("revision", token).put("candidates", new JsonArray().add(a).add(b)));

    Reply proclaimed = proclaim("sched", a, token, "host-a2");
    assertThat(proclaimed.status()).isEqualTo(200);
    assertThat(proclaimed.json().getLong("revision")).isGreaterThan(token);
    assertThat(api.send(GET, "/v1/elections/sched").json().getJsonObject("leader").getString("value")).isEqualTo("host-a2");
    Reply notLeader = proclaim("sched", b, token, "host-b");
    assertProblem(notLeader, 409, "not-election-leader");
    assertThat(notLeader.json().getLong("leaderSession")).isEqualTo(a);
    assertThat(notLeader.json().getLong("token")).isEqualTo(token);
    assertProblem(proclaim("sched", a, token + 100, "x"), 409, "not-election-leader");

    assertProblem(resign("sched", a, 0), 409, "not-election-candidate"); // a leader resigns with its token
    assertProblem(resign("sched", a, token + 1), 409, "not-election-leader");
    assertThat(resign("sched", a, token).json()).isEqualTo(new JsonObject().put("election", "sched")
        .put("outcome", "resigned"));
    Reply next = api.send(GET, "/v1/elections/sched");
    assertThat(next.json().getJsonObject("leader").getLong("session")).isEqualTo(b);
    assertThat(next.json().getJsonObject("leader").getLong("token")).isGreaterThan(token);

    assertThat(resign("sched", b, next.json().getJsonObject("leader").getLong("token")).status()).isEqualTo(200);
    Reply empty = api.send(GET, "/v1/elections/sched");
    assertThat(empty.json()).isEqualTo(new JsonObject().put("election", "sched").put("revision", 0)
        .put("candidates", new JsonArray()));
    assertProblem(proclaim("sched", a, token, "x"), 409, "not-election-leader");
    assertProblem(campaign("sched", 424242, "x", 0), 404, "session-not-found");
    assertProblem(resign("sched", 424242, 0), 404, "session-not-found");
  }

  @Test
  void aCandidateWithdrawsOrWaitsToBeElected() {
    long a = session();
    long b = session();
    long token = campaign("e", a, "a", 0).json().getLong("token");
    campaign("e", b, "b", 0);
    assertThat(resign("e", b, 0).json().getString("outcome")).isEqualTo("withdrawn");
    assertProblem(resign("e", b, 0), 409, "not-election-candidate");

    Reply ranOut = campaign("e", b, "b", 300);
    assertThat(ranOut.status()).isEqualTo(200);
    assertThat(ranOut.json()).isEqualTo(new JsonObject().put("election", "e").put("session", b).put("elected", false));
    assertThat(api.send(GET, "/v1/elections/e").json().getJsonArray("candidates")).isEqualTo(new JsonArray().add(a));

    Later waiting = new Later(POST, "/v1/elections/e/candidates",
        new JsonObject().put("session", b).put("value", "b").put("waitMillis", 20_000));
    Awaitility.await().atMost(DEADLINE).until(() ->
        api.send(GET, "/v1/elections/e").json().getJsonArray("candidates").size() == 2);
    resign("e", a, token);
    Reply elected = waiting.await();
    assertThat(elected.json().getBoolean("elected")).isTrue();
    assertThat(elected.json().getLong("token")).isGreaterThan(token);
  }

  @Test
  void badElectionRequestsAreProblems() {
    long a = session();
    String uri = "/v1/elections/e/candidates";
    for (String body : List.of("{\"session\": " + a + "}", "{\"value\": \"x\"}", "{\"session\": " + a + ", \"value\": 7}",
        "{\"session\": " + a + ", \"value\": \"x\", \"waitMillis\": 60001}",
        "{\"session\": " + a + ", \"value\": \"" + "x".repeat(4097) + "\"}",
        "{\"session\": " + a + ", \"value\": \"x\", \"leader\": true}")) {
      assertProblem(send(POST, uri, Buffer.buffer(body)), 400, "invalid-request");
    }
    // within the schema's 4096 characters, over the machine's 4096 bytes: the machine's reason
    Reply tooManyBytes = campaign("e", a, "é".repeat(4000), 0);
    assertProblem(tooManyBytes, 400, "invalid-request");
    assertThat(tooManyBytes.json().getString("detail")).contains("4096 bytes");
    assertProblem(send(POST, "/v1/elections/e/resign", new JsonObject().put("session", a)), 400, "invalid-request");
    assertProblem(send(POST, "/v1/elections/e/resign", new JsonObject().put("session", a).put("token", -1)), 400,
        "invalid-request");
    assertProblem(send(PUT, "/v1/elections/e/leader", new JsonObject().put("session", a).put("token", 0).put("value", "x")),
        400, "invalid-request");
    assertProblem(campaign("-e", a, "x", 0), 400, "invalid-request");
    assertProblem(stream("/v1/elections/e/events?after=abc").asReply(), 400, "invalid-request");
    assertProblem(stream("/v1/elections/e/events", "Last-Event-ID", "x1").asReply(), 400, "invalid-request");
  }

  @Test
  void withoutALeaderTheAnswerIs503AndALostAnswerIs504() {
    long a = session();
    api.primitives.failWith(CoordinationException.Kind.UNAVAILABLE);
    assertProblem(api.send(GET, "/v1/elections/e"), 503, "coordination-unavailable");
    assertProblem(campaign("e", a, "x", 0), 503, "coordination-unavailable");
    Reply stream = stream("/v1/elections/e/events").asReply();
    assertProblem(stream, 503, "coordination-unavailable");
    assertThat(stream.header("Retry-After")).isEqualTo("1");
    api.primitives.failWith(CoordinationException.Kind.OUTCOME_UNKNOWN);
    assertProblem(resign("e", a, 0), 504, "outcome-unknown");
    assertProblem(proclaim("e", a, 1, "x"), 504, "outcome-unknown");
  }

  // ---- events

  @Test
  void theLeaderIsStreamedAndAReconnectingClientResumesFromItsLastEventId() {
    long a = session();
    long b = session();
    EventStream stream = stream("/v1/elections/jobs/events");
    assertThat(stream.response.statusCode()).isEqualTo(200);
    assertThat(stream.response.getHeader("Content-Type")).isEqualTo("text/event-stream");
    Map<String, String> first = stream.awaitEvent(0);
    assertThat(first).containsEntry("id", "0").containsEntry("event", "no-leader");
    assertThat(new JsonObject(first.get("data"))).isEqualTo(new JsonObject().put("election", "jobs").put("revision", 0)
        .put("reset", true));

    long token = campaign("jobs", a, "host-a", 0).json().getLong("token");
    campaign("jobs", b, "host-b", 0);
    Map<String, String> elected = stream.awaitEvent(1);
    assertThat(elected).containsEntry("id", Long.toString(token)).containsEntry("event", "leader");
    JsonObject data = new JsonObject(elected.get("data"));
    api.assertSchema("ElectionEvent", data);
    assertThat(data).isEqualTo(new JsonObject().put("election", "jobs").put("revision", token).put("reset", false)
        .put("leader", new JsonObject().put("session", a).put("token", token).put("value", "host-a")));

    long proclaimed = proclaim("jobs", a, token, "host-a2").json().getLong("revision");
    Map<String, String> changed = stream.awaitEvent(2);
    assertThat(changed).containsEntry("id", Long.toString(proclaimed)).containsEntry("event", "leader");
    assertThat(new JsonObject(changed.get("data")).getJsonObject("leader").getLong("token")).isEqualTo(token);

    // a's session ends: first the loss of a's leadership (no id of its own), then b leads
    send(io.vertx.core.http.HttpMethod.DELETE, "/v1/sessions/" + a, (Buffer) null);
    Map<String, String> lost = stream.awaitEvent(3);
    assertThat(lost).containsEntry("event", "leader-lost").doesNotContainKey("id");
    JsonObject lostData = new JsonObject(lost.get("data"));
    api.assertSchema("ElectionEvent", lostData);
    assertThat(lostData.getJsonObject("leader")).isEqualTo(new JsonObject().put("session", a).put("token", token)
        .put("value", "host-a2"));
    Map<String, String> next = stream.awaitEvent(4);
    assertThat(lostData.getLong("revision")).isEqualTo(Long.parseLong(next.get("id")));
    JsonObject nextData = new JsonObject(next.get("data"));
    assertThat(nextData.getJsonObject("leader").getLong("session")).isEqualTo(b);
    long bToken = nextData.getJsonObject("leader").getLong("token");
    assertThat(bToken).isGreaterThan(token);
    resign("jobs", b, bToken);
    assertThat(stream.awaitEvent(5)).containsEntry("event", "leader-lost");
    Map<String, String> nobody = stream.awaitEvent(6);
    assertThat(nobody).containsEntry("event", "no-leader");
    assertThat(new JsonObject(nobody.get("data")).containsKey("leader")).isFalse();
    Awaitility.await().atMost(DEADLINE).until(() -> stream.text.toString().contains(": keep-alive\n\n"));
    stream.validate();
    stream.close();

    // resume after the first leader event: the changes after it, in order, and nothing before
    EventStream resumed = stream("/v1/elections/jobs/events", "Last-Event-ID", Long.toString(token));
    assertThat(resumed.awaitEvent(0)).containsEntry("id", Long.toString(proclaimed));
    assertThat(resumed.awaitEvent(1)).containsEntry("event", "leader-lost"); // it knows a led at the revision it resumed from
    assertThat(resumed.awaitEvent(3)).containsEntry("event", "leader-lost");
    assertThat(resumed.awaitEvent(4)).containsEntry("event", "no-leader");
    assertThat(new JsonObject(resumed.awaitEvent(0).get("data")).getBoolean("reset")).isFalse();
    resumed.close();
    EventStream byQuery = stream("/v1/elections/jobs/events?after=" + proclaimed);
    assertThat(byQuery.awaitEvent(0)).containsEntry("event", "leader-lost");
    assertThat(byQuery.awaitEvent(1).get("id")).isEqualTo(next.get("id"));
    byQuery.close();

    // the group forgot the changes: the election as it is now, marked reset
    api.primitives.forgetHistory("jobs", Long.MAX_VALUE);
    EventStream reset = stream("/v1/elections/jobs/events", "Last-Event-ID", Long.toString(token));
    Map<String, String> now = reset.awaitEvent(0);
    assertThat(now).containsEntry("event", "no-leader").containsEntry("id", nobody.get("id"));
    assertThat(new JsonObject(now.get("data")).getBoolean("reset")).isTrue();
    reset.close();
  }

  @Test
  void aNewStreamStartsWithTheCurrentLeader() {
    long a = session();
    long token = campaign("now", a, "host-a", 0).json().getLong("token");
    EventStream stream = stream("/v1/elections/now/events");
    Map<String, String> first = stream.awaitEvent(0);
    assertThat(first).containsEntry("id", Long.toString(token)).containsEntry("event", "leader");
    JsonObject data = new JsonObject(first.get("data"));
    assertThat(data.getBoolean("reset")).isTrue();
    assertThat(data.getJsonObject("leader").getString("value")).isEqualTo("host-a");
    stream.close();
  }
}
