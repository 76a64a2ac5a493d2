package io.cairn.api;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.api.v1.FencedWrites;
import io.cairn.coordination.CoordinationException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cache writes fenced by a lock's or an election's token. */
class FencedWriteApiTest extends PrimitivesTestBase {
  private String cache;
  private static int cacheCount;

  @BeforeEach
  void cache() {
    cache = "fenced-" + ++cacheCount;
    assertThat(send(PUT, "/v1/caches/" + cache, new JsonObject().put("store", "none")).status()).isEqualTo(201);
  }

  private Reply write(String value, String fence, long token) {
    return send(PUT, "/v1/caches/" + cache + "/entries/report", Buffer.buffer(value), "Content-Type", "text/plain",
        "Cairn-Fence", fence, "Cairn-Fencing-Token", Long.toString(token));
  }

  private String value() {
    return api.send(GET, "/v1/caches/" + cache + "/entries/report").body().toString();
  }

  private long lock(String name, long session) {
    Reply r = send(POST, "/v1/locks/" + name, new JsonObject().put("session", session));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.json().getLong("token");
  }

  @Test
  void aHolderWhoseSessionExpiredCannotOverwriteTheNewHolder() {
    long old = session(1000);
    long oldToken = lock("writer", old);
    assertThat(write("from old", "lock=writer", oldToken).status()).isEqualTo(201);
    assertThat(value()).isEqualTo("from old");

    api.primitives.tick(0);
    api.primitives.tick(1000); // the old holder's session expires
    long next = session();
    long newToken = lock("writer", next);
    assertThat(newToken).isGreaterThan(oldToken);

    // the group says the old token is not current
    Reply stale = write("late write from old", "lock=writer", oldToken);
    assertProblem(stale, 409, "stale-fencing-token");
    assertThat(stale.json().getString("detail")).contains("current token is " + newToken);
    assertThat(value()).isEqualTo("from old");

    assertThat(write("from new", "lock=writer", newToken).status()).isEqualTo(200);
    assertThat(value()).isEqualTo("from new");

    // this cache has seen a newer token: refused without asking the group
    api.primitives.failWith(CoordinationException.Kind.UNAVAILABLE);
    Reply again = write("again from old", "lock=writer", oldToken);
    assertProblem(again, 409, "stale-fencing-token");
    assertThat(again.json().getLong("highestToken")).isEqualTo(newToken);
    // a current token needs the group's word: without a leader, 503
    assertProblem(write("x", "lock=writer", newToken), 503, "coordination-unavailable");
    api.primitives.failWith(null);
    assertThat(value()).isEqualTo("from new");
  }

  @Test
  void aTokenOfALockThatIsNowFreeIsStale() {
    long s = session();
    long token = lock("free-later", s);
    assertThat(write("v1", "lock=free-later", token).status()).isEqualTo(201);
    send(DELETE, "/v1/locks/free-later?session=" + s + "&token=" + token, (Buffer) null);
    Reply stale = write("v2", "lock=free-later", token);
    assertProblem(stale, 409, "stale-fencing-token");
    assertThat(stale.json().getString("detail")).contains("the lock is free");
    assertProblem(write("v3", "lock=never-taken", 5), 409, "stale-fencing-token");
    assertThat(value()).isEqualTo("v1");
  }

  @Test
  void anElectionsLeaderTokenFencesWritesToo() {
    long a = session();
    long b = session();
    long aToken = send(POST, "/v1/elections/primary/candidates", new JsonObject().put("session", a).put("value", "a"))
        .json().getLong("token");
    send(POST, "/v1/elections/primary/candidates", new JsonObject().put("session", b).put("value", "b"));
    assertThat(write("a leads", "election=primary", aToken).status()).isEqualTo(201);
    send(POST, "/v1/elections/primary/resign", new JsonObject().put("session", a).put("token", aToken));
    long bToken = api.send(GET, "/v1/elections/primary").json().getJsonObject("leader").getLong("token");
    assertProblem(write("a again", "election=primary", aToken), 409, "stale-fencing-token");
    assertThat(write("b leads", "election=primary", bToken).status()).isEqualTo(200);
    // a lock of the same name is another fence
    assertProblem(write("x", "lock=primary", bToken), 409, "stale-fencing-token");
    assertThat(value()).isEqualTo("b leads");
  }

  @Test
  void malformedFencesAreBadRequests() {
    long s = session();
    long token = lock("m", s);
    String uri = "/v1/caches/" + cache + "/entries/report";
    List<String[]> bad = List.of(
        new String[] {"Cairn-Fence", "lock=m"},
        new String[] {"Cairn-Fencing-Token", Long.toString(token)},
        new String[] {"Cairn-Fence", "lock=m", "Cairn-Fencing-Token", "abc"},
        new String[] {"Cairn-Fence", "lock=m", "Cairn-Fencing-Token", "0"},
        new String[] {"Cairn-Fence", "mutex=m", "Cairn-Fencing-Token", Long.toString(token)},
        new String[] {"Cairn-Fence", "lock=-m", "Cairn-Fencing-Token", Long.toString(token)},
        new String[] {"Cairn-Fence", "lock", "Cairn-Fencing-Token", Long.toString(token)});
    for (String[] headers : bad) {
      String[] all = new String[headers.length + 2];
      all[0] = "Content-Type";
      all[1] = "text/plain";
      System.arraycopy(headers, 0, all, 2, headers.length);
      Reply r = send(PUT, uri, Buffer.buffer("x"), all);
      assertProblem(r, 400, "invalid-request");
      assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("location")).isEqualTo("header");
    }
    assertProblem(api.send(GET, uri), 404, "entry-not-found");
    assertThat(write("ok", "lock=m", token).status()).isEqualTo(201);
  }

  @Test
  void fencedWritesOfOneFenceRunOneAtATimeSoAnOldTokenNeverLandsAfterANewOne() {
    String gated = FaultyCacheService.GATED;
    assertThat(send(PUT, "/v1/caches/" + gated, new JsonObject().put("store", "none")).status()).isEqualTo(201);
    String uri = "/v1/caches/" + gated + "/entries/report";
    long old = session(1000);
    long oldToken = lock("slow", old);
    Later first = new Later(PUT, uri, Buffer.buffer("from old"), "Content-Type", "text/plain",
        "Cairn-Fence", "lock=slow", "Cairn-Fencing-Token", Long.toString(oldToken));
    Awaitility.await().atMost(DEADLINE).until(() -> caches.gated() == 1); // checked, now writing (slowly)

    api.primitives.tick(0);
    api.primitives.tick(1000); // the old holder's session expires while its write is under way
    long newToken = lock("slow", session());
    Later second = new Later(PUT, uri, Buffer.buffer("from new"), "Content-Type", "text/plain",
        "Cairn-Fence", "lock=slow", "Cairn-Fencing-Token", Long.toString(newToken));
    FencedWrites fences = FencedWrites.of(api.vertx);
    Awaitility.await().atMost(DEADLINE).until(() -> fences.waiting(gated, "lock=slow") == 1);
    assertThat(caches.gated()).as("the new holder's write waits for the old one to land").isEqualTo(1);

    caches.openGate();
    assertThat(first.await().status()).isEqualTo(201);
    Awaitility.await().atMost(DEADLINE).until(() -> caches.gated() == 1);
    caches.openGate();
    assertThat(second.await().status()).isEqualTo(200);
    assertThat(api.send(GET, uri).body().toString()).isEqualTo("from new");
    assertProblem(new Later(PUT, uri, Buffer.buffer("late"), "Content-Type", "text/plain", "Cairn-Fence", "lock=slow",
        "Cairn-Fencing-Token", Long.toString(oldToken)).await(), 409, "stale-fencing-token");
  }
}
