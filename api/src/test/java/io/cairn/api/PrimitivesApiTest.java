package io.cairn.api;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.coordination.CoordinationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Sessions, locks and semaphores over HTTP (elections: {@link ElectionApiTest}). */
class PrimitivesApiTest extends PrimitivesTestBase {

  private Reply acquire(String lock, JsonObject body) {
    return send(POST, "/v1/locks/" + lock, body);
  }

  private Reply acquire(String lock, long session) {
    return acquire(lock, new JsonObject().put("session", session));
  }

  private Reply release(String lock, long session, long token) {
    return send(DELETE, "/v1/locks/" + lock + "?session=" + session + "&token=" + token, (Buffer) null);
  }

  // ---- sessions

  @Test
  void aSessionIsOpenedReadKeptAliveAndClosed() {
    Reply created = send(POST, "/v1/sessions", new JsonObject().put("ttlMillis", 5000));
    assertThat(created.status()).isEqualTo(201);
    long id = created.json().getLong("id");
    assertThat(id).isPositive();
    assertThat(created.json()).isEqualTo(new JsonObject().put("id", id).put("ttlMillis", 5000));
    assertThat(created.header("Location")).isEqualTo("/v1/sessions/" + id);

    Reply read = api.send(GET, "/v1/sessions/" + id);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getLong("ttlMillis")).isEqualTo(5000);
    assertThat(read.json().getLong("remainingMillis")).isBetween(0L, 5000L);

    Reply kept = send(POST, "/v1/sessions/" + id + "/keepalive", (Buffer) null);
    assertThat(kept.status()).isEqualTo(200);
    assertThat(kept.json()).isEqualTo(new JsonObject().put("id", id).put("ttlMillis", 5000));

    assertThat(send(DELETE, "/v1/sessions/" + id, (Buffer) null).status()).isEqualTo(204);
    assertProblem(api.send(GET, "/v1/sessions/" + id), 404, "session-not-found");
    assertProblem(send(POST, "/v1/sessions/" + id + "/keepalive", (Buffer) null), 404, "session-not-found");
    assertProblem(send(DELETE, "/v1/sessions/" + id, (Buffer) null), 404, "session-not-found");
  }

  @Test
  void aSessionEndsWhenItsTtlRunsOutWithoutAKeepalive() {
    long id = session(1000);
    api.primitives.tick(0); // the first tick after the create starts the count
    api.primitives.tick(600);
    assertThat(send(POST, "/v1/sessions/" + id + "/keepalive", (Buffer) null).status()).isEqualTo(200);
    api.primitives.tick(100); // counted again from here
    api.primitives.tick(900);
    assertThat(api.send(GET, "/v1/sessions/" + id).status()).isEqualTo(200);
    api.primitives.tick(100);
    assertProblem(api.send(GET, "/v1/sessions/" + id), 404, "session-not-found");
    assertProblem(send(POST, "/v1/sessions/" + id + "/keepalive", (Buffer) null), 404, "session-not-found");
  }

  @Test
  void badSessionRequestsAreProblems() {
    for (String body : List.of("{\"ttlMillis\": 999}", "{\"ttlMillis\": 3600001}", "{}", "{\"ttlMillis\": \"5000\"}",
        "{\"ttlMillis\": 5000, \"extra\": 1}", "{\"ttlMillis\": 1.5}", "not json", "[5000]")) {
      assertProblem(send(POST, "/v1/sessions", Buffer.buffer(body)), 400, "invalid-request");
    }
    assertProblem(send(POST, "/v1/sessions", Buffer.buffer("ttlMillis=5000"), "Content-Type", "text/plain"), 415,
        "unsupported-media-type");
    for (String id : List.of("abc", "0", "-1", "1.5", "99999999999999999999")) {
      Reply r = api.send(GET, "/v1/sessions/" + id);
      assertProblem(r, 400, "invalid-request");
      assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("location")).isEqualTo("path");
    }
    assertProblem(api.send(GET, "/v1/sessions/424242"), 404, "session-not-found");
  }

  // ---- locks

  @Test
  void aLockIsAcquiredWithAFencingTokenReenteredAndReleased() {
    long a = session();
    long b = session();
    Reply granted = acquire("job", a);
    assertThat(granted.status()).isEqualTo(200);
    long token = granted.json().getLong("token");
    assertThat(granted.json()).isEqualTo(new JsonObject().put("lock", "job").put("session", a).put("token", token)
        .put("count", 1));
    assertThat(granted.header("Cairn-Fencing-Token")).isEqualTo(Long.toString(token));

    Reply again = acquire("job", a);
    assertThat(again.json().getLong("token")).isEqualTo(token);
    assertThat(again.json().getInteger("count")).isEqualTo(2);

    Reply busy = acquire("job", b);
    assertProblem(busy, 409, "lock-busy");
    assertThat(busy.json().getLong("holderSession")).isEqualTo(a);
    assertThat(busy.json().getLong("token")).isEqualTo(token);
    assertThat(busy.header("Retry-After")).isNull();

    Reply shown = api.send(GET, "/v1/locks/job");
    assertThat(shown.json()).isEqualTo(new JsonObject().put("lock", "job")
        .put("holder", new JsonObject().put("session", a).put("token", token).put("count", 2))
        .put("waiters", new JsonArray()).put("delayRemainingMillis", 0));

    Reply stale = release("job", a, token - 1);
    assertProblem(stale, 409, "not-lock-holder");
    assertThat(stale.json().getLong("holderSession")).isEqualTo(a);
    assertProblem(release("job", b, token), 409, "not-lock-holder");
    assertThat(release("job", a, token).json()).isEqualTo(new JsonObject().put("lock", "job").put("remainingCount", 1));
    assertThat(release("job", a, token).json().getInteger("remainingCount")).isZero();
    Reply notHeld = release("job", a, token);
    assertProblem(notHeld, 409, "not-lock-holder");
    assertThat(notHeld.json().getLong("holderSession")).isZero();

    Reply free = api.send(GET, "/v1/locks/job");
    assertThat(free.status()).isEqualTo(200);
    assertThat(free.json().containsKey("holder")).isFalse();
    Reply next = acquire("job", b);
    assertThat(next.json().getLong("token")).isGreaterThan(token);
    assertProblem(acquire("job", 987654), 404, "session-not-found");
    assertProblem(release("job", 987654, 1), 404, "session-not-found");
  }

  @Test
  void aWaitingAcquireIsGrantedWhenTheHolderReleases() {
    long a = session();
    long b = session();
    long token = acquire("queue", a).json().getLong("token");
    Later waiting = new Later(POST, "/v1/locks/queue", new JsonObject().put("session", b).put("waitMillis", 20_000));
    Awaitility.await().atMost(DEADLINE).until(() ->
        api.send(GET, "/v1/locks/queue").json().getJsonArray("waiters").equals(new JsonArray().add(b)));
    assertThat(waiting.reply.isComplete()).isFalse();
    release("queue", a, token);
    Reply granted = waiting.await();
    assertThat(granted.status()).isEqualTo(200);
    assertThat(granted.json().getLong("session")).isEqualTo(b);
    assertThat(granted.json().getLong("token")).isGreaterThan(token);
    assertThat(granted.header("Cairn-Fencing-Token")).isEqualTo(granted.json().getLong("token").toString());
  }

  @Test
  void aWaitingAcquireThatRunsOutIsBusyAndLeavesTheLine() {
    long a = session();
    long b = session();
    acquire("long-job", a);
    Reply timedOut = acquire("long-job", new JsonObject().put("session", b).put("waitMillis", 300));
    assertProblem(timedOut, 409, "lock-busy");
    assertThat(timedOut.json().getString("detail")).contains("not acquired within waitMillis");
    assertThat(api.send(GET, "/v1/locks/long-job").json().getJsonArray("waiters")).isEmpty();
  }

  @Test
  void aWaiterWhoseSessionExpiresGetsSessionNotFound() {
    long a = session(60_000);
    long b = session(1000);
    acquire("exp", a);
    api.primitives.tick(0);
    Later waiting = new Later(POST, "/v1/locks/exp", new JsonObject().put("session", b).put("waitMillis", 20_000));
    Awaitility.await().atMost(DEADLINE).until(() ->
        !api.send(GET, "/v1/locks/exp").json().getJsonArray("waiters").isEmpty());
    api.primitives.tick(1000);
    assertProblem(waiting.await(), 404, "session-not-found");
  }

  @Test
  void aWaiterWhoseSessionIsClosedGetsSessionNotFound() {
    long a = session();
    long b = session();
    acquire("closed", a);
    Later waiting = new Later(POST, "/v1/locks/closed", new JsonObject().put("session", b).put("waitMillis", 20_000));
    Awaitility.await().atMost(DEADLINE).until(() ->
        !api.send(GET, "/v1/locks/closed").json().getJsonArray("waiters").isEmpty());
    assertThat(send(DELETE, "/v1/sessions/" + b, (Buffer) null).status()).isEqualTo(204);
    assertProblem(waiting.await(), 404, "session-not-found");
    assertThat(api.send(GET, "/v1/locks/closed").json().getJsonArray("waiters")).isEmpty();
  }

  @Test
  void anExpiredHoldersLockDelayIsBusyWithRetryAfter() {
    long a = session(1000);
    long b = session(60_000);
    Reply granted = acquire("delayed", new JsonObject().put("session", a).put("lockDelayMillis", 5000));
    assertThat(granted.status()).isEqualTo(200);
    api.primitives.tick(0);
    api.primitives.tick(1000); // a expires holding the lock
    Reply delayed = acquire("delayed", b);
    assertProblem(delayed, 409, "lock-busy");
    assertThat(delayed.json().getLong("delayRemainingMillis")).isEqualTo(5000);
    assertThat(delayed.header("Retry-After")).isEqualTo("5");
    assertThat(api.send(GET, "/v1/locks/delayed").json().getLong("delayRemainingMillis")).isEqualTo(5000);
    api.primitives.tick(2500);
    assertThat(acquire("delayed", b).header("Retry-After")).isEqualTo("3"); // 2.5 s, rounded up
    api.primitives.tick(2500);
    Reply after = acquire("delayed", b);
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.json().getLong("token")).isGreaterThan(granted.json().getLong("token"));
  }

  @Test
  void badLockRequestsAreProblems() {
    long a = session();
    String invalid = "invalid-request";
    for (String body : List.of("{}", "{\"session\": \"1\"}", "{\"session\": 0}", "{\"session\": 1.5}",
        "{\"session\": 9223372036854775808}", "{\"session\": " + a + ", \"waitMillis\": -1}",
        "{\"session\": " + a + ", \"waitMillis\": 60001}", "{\"session\": " + a + ", \"lockDelayMillis\": 60001}",
        "{\"session\": " + a + ", \"owner\": \"me\"}", "not json")) {
      assertProblem(send(POST, "/v1/locks/l", Buffer.buffer(body)), 400, invalid);
    }
    assertProblem(acquire("-bad", a), 400, invalid);
    assertProblem(acquire("x".repeat(257), a), 400, invalid);
    assertProblem(send(DELETE, "/v1/locks/l?session=" + a, (Buffer) null), 400, invalid);
    assertProblem(send(DELETE, "/v1/locks/l?session=" + a + "&token=abc", (Buffer) null), 400, invalid);
    assertProblem(send(DELETE, "/v1/locks/l?session=0&token=1", (Buffer) null), 400, invalid);
    assertProblem(send(POST, "/v1/locks/l", Buffer.buffer("{}"), "Content-Type", "text/plain"), 415,
        "unsupported-media-type");
    assertThat(api.send(GET, "/v1/locks/l").json().containsKey("holder")).isFalse();
  }

  // ---- semaphores

  @Test
  void permitsAreGrantedUpToTheLimitAndGivenBack() {
    long a = session();
    long b = session();
    JsonObject twoOfThree = new JsonObject().put("permits", 2).put("limit", 3);
    Reply granted = send(POST, "/v1/semaphores/workers", twoOfThree.copy().put("session", a));
    assertThat(granted.json()).isEqualTo(new JsonObject().put("semaphore", "workers").put("session", a).put("held", 2));

    Reply none = send(POST, "/v1/semaphores/workers", twoOfThree.copy().put("session", b));
    assertProblem(none, 409, "no-permits");
    assertThat(none.json().getInteger("available")).isEqualTo(1);
    assertThat(none.json().getInteger("limit")).isEqualTo(3);
    Reply mismatch = send(POST, "/v1/semaphores/workers", new JsonObject().put("session", b).put("limit", 4));
    assertProblem(mismatch, 400, "invalid-request");
    assertThat(mismatch.json().getString("detail")).contains("has 3 permits");

    Reply one = send(POST, "/v1/semaphores/workers", new JsonObject().put("session", b).put("limit", 3));
    assertThat(one.json().getInteger("held")).isEqualTo(1);
    Reply shown = api.send(GET, "/v1/semaphores/workers");
    assertThat(shown.json()).isEqualTo(new JsonObject().put("semaphore", "workers").put("limit", 3).put("available", 0)
        .put("holders", new JsonArray().add(new JsonObject().put("session", a).put("permits", 2))
            .add(new JsonObject().put("session", b).put("permits", 1)))
        .put("waiters", new JsonArray()));

    Reply tooMany = send(DELETE, "/v1/semaphores/workers?session=" + a + "&permits=3", (Buffer) null);
    assertProblem(tooMany, 409, "permits-not-held");
    assertThat(tooMany.json().getInteger("held")).isEqualTo(2);
    assertThat(send(DELETE, "/v1/semaphores/workers?session=" + a, (Buffer) null).json().getInteger("held")).isEqualTo(1);
    send(DELETE, "/v1/semaphores/workers?session=" + a, (Buffer) null);
    send(DELETE, "/v1/semaphores/workers?session=" + b, (Buffer) null);
    Reply idle = api.send(GET, "/v1/semaphores/workers");
    assertThat(idle.json()).isEqualTo(new JsonObject().put("semaphore", "workers").put("holders", new JsonArray())
        .put("waiters", new JsonArray()));
    assertProblem(send(DELETE, "/v1/semaphores/workers?session=424242", (Buffer) null), 404, "session-not-found");
    assertProblem(send(POST, "/v1/semaphores/workers", new JsonObject().put("session", 424242).put("limit", 3)), 404,
        "session-not-found");
  }

  @Test
  void aWaitingAcquireOfPermitsIsGrantedOnReleaseOrLeavesTheLineWhenItRunsOut() {
    long a = session();
    long b = session();
    send(POST, "/v1/semaphores/one", new JsonObject().put("session", a).put("limit", 1));
    Reply timedOut = send(POST, "/v1/semaphores/one", new JsonObject().put("session", b).put("limit", 1)
        .put("waitMillis", 300));
    assertProblem(timedOut, 409, "no-permits");
    assertThat(timedOut.json().getString("detail")).contains("not granted within waitMillis");
    assertThat(api.send(GET, "/v1/semaphores/one").json().getJsonArray("waiters")).isEmpty();

    Later waiting = new Later(POST, "/v1/semaphores/one", new JsonObject().put("session", b).put("limit", 1)
        .put("waitMillis", 20_000));
    Awaitility.await().atMost(DEADLINE).until(() ->
        !api.send(GET, "/v1/semaphores/one").json().getJsonArray("waiters").isEmpty());
    send(DELETE, "/v1/semaphores/one?session=" + a, (Buffer) null);
    Reply granted = waiting.await();
    assertThat(granted.status()).isEqualTo(200);
    assertThat(granted.json().getInteger("held")).isEqualTo(1);
  }

  @Test
  void badSemaphoreRequestsAreProblems() {
    long a = session();
    for (String body : List.of("{\"session\": " + a + "}", "{\"session\": " + a + ", \"limit\": 0}",
        "{\"session\": " + a + ", \"limit\": 1000001}", "{\"session\": " + a + ", \"limit\": 2, \"permits\": 0}",
        "{\"session\": " + a + ", \"limit\": 2, \"permits\": \"1\"}")) {
      assertProblem(send(POST, "/v1/semaphores/s", Buffer.buffer(body)), 400, "invalid-request");
    }
    Reply moreThanLimit = send(POST, "/v1/semaphores/s", new JsonObject().put("session", a).put("limit", 2).put("permits", 3));
    assertProblem(moreThanLimit, 400, "invalid-request");
    assertProblem(send(DELETE, "/v1/semaphores/s?session=" + a + "&permits=0", (Buffer) null), 400, "invalid-request");
    assertProblem(send(DELETE, "/v1/semaphores/s", (Buffer) null), 400, "invalid-request");
  }

  // ---- the coordination group's failures

  /** One request of every operation but the event stream (see {@link ElectionApiTest}). */
  private record Call(HttpMethod method, String uri, JsonObject body, boolean command) {}

  @Test
  void withoutALeaderEveryOperationIs503AndEveryCommandWhoseAnswerIsLostIs504() {
    long s = session();
    JsonObject session = new JsonObject().put("session", s);
    List<Call> calls = List.of(
        new Call(POST, "/v1/sessions", new JsonObject().put("ttlMillis", 5000), true),
        new Call(GET, "/v1/sessions/" + s, null, false),
        new Call(POST, "/v1/sessions/" + s + "/keepalive", null, true),
        new Call(DELETE, "/v1/sessions/" + s, null, true),
        new Call(POST, "/v1/locks/l", session, true),
        new Call(GET, "/v1/locks/l", null, false),
        new Call(DELETE, "/v1/locks/l?session=" + s + "&token=1", null, true),
        new Call(POST, "/v1/elections/e/candidates", session.copy().put("value", "v"), true),
        new Call(GET, "/v1/elections/e", null, false),
        new Call(PUT, "/v1/elections/e/leader", session.copy().put("token", 1).put("value", "v"), true),
        new Call(POST, "/v1/elections/e/resign", session.copy().put("token", 0), true),
        new Call(POST, "/v1/semaphores/m", session.copy().put("limit", 1), true),
        new Call(GET, "/v1/semaphores/m", null, false),
        new Call(DELETE, "/v1/semaphores/m?session=" + s, null, true));
    api.primitives.failWith(CoordinationException.Kind.UNAVAILABLE);
    for (Call c : calls) {
      Reply r = send(c.method(), c.uri(), c.body());
      assertProblem(r, 503, "coordination-unavailable");
      assertThat(r.header("Retry-After")).as("%s %s", c.method(), c.uri()).isEqualTo("1");
    }
    api.primitives.failWith(CoordinationException.Kind.OUTCOME_UNKNOWN);
    for (Call c : calls) {
      if (c.command()) {
        Reply r = send(c.method(), c.uri(), c.body());
        assertProblem(r, 504, "outcome-unknown");
        assertThat(r.header("Retry-After")).as("%s %s", c.method(), c.uri()).isEqualTo("1");
      }
    }
    api.primitives.failWith(null);
    assertThat(acquire("l", s).status()).isEqualTo(200);
  }
}
