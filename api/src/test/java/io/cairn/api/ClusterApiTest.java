package io.cairn.api;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.membership.testing.FakeMembership;
import io.cairn.api.ApiHarness.Reply;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberStatus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cluster operations over real HTTP with the real router and a membership double whose
 * view and events the test drives; every response (and every event's data) is checked against
 * openapi.yaml.
 */
@ExtendWith(VertxExtension.class)
class ClusterApiTest {
  private static final Duration HEARTBEAT = Duration.ofMillis(200);
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private FakeMembership membership;
  private ApiHarness api;

  @BeforeEach
  void start(Vertx vertx) {
    membership = new FakeMembership("web-1");
    api = ApiHarness.start(vertx, new InMemoryCacheService(1024, 1024), membership, ApiTestBase.SETTINGS, HEARTBEAT);
  }

  @AfterEach
  void stop() {
    api.stop();
  }

  private static void assertProblem(Reply r, int status, String type) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
    assertThat(r.problem()).isEqualTo(type);
    assertThat(r.json().getString("requestId")).isEqualTo(r.header("X-Request-Id"));
  }

  // ---- members

  @Test
  void listsEveryMemberSortedWithPhiOnlyForMonitoredPeers() {
    membership.set(FakeMembership.member("web-2", MemberStatus.ALIVE, 3));
    membership.set(FakeMembership.member("web-3", MemberStatus.SUSPECT, 7));
    membership.set(FakeMembership.member("web-4", MemberStatus.DEAD, 2));
    membership.set(FakeMembership.member("web-5", MemberStatus.LEFT, 4));
    membership.phi("web-2", 0.25);
    membership.phi("web-3", Double.POSITIVE_INFINITY); // JSON has no infinity: capped
    membership.phi("web-4", Double.NaN); // monitored, no estimate: no phi

    Reply r = api.send(GET, "/v1/cluster/members");
    assertThat(r.status()).isEqualTo(200);
    JsonObject list = r.json();
    assertThat(list.getString("self")).isEqualTo("web-1");
    assertThat(list.getBoolean("joined")).isTrue();
    Map<String, JsonObject> byId = new LinkedHashMap<>();
    list.getJsonArray("members").forEach(m -> byId.put(((JsonObject) m).getString("id"), (JsonObject) m));
    assertThat(byId.keySet()).containsExactly("web-1", "web-2", "web-3", "web-4", "web-5");

    JsonObject self = byId.get("web-1");
    assertThat(self.getBoolean("local")).isTrue();
    assertThat(self.getBoolean("monitored")).isFalse();
    assertThat(self.containsKey("phi")).isFalse();
    assertThat(self.getJsonObject("metadata")).isEqualTo(new JsonObject()
        .put("clusterAddress", membership.local().address().toString())
        .put("apiAddress", "http://web-1:7070").put("zone", "zone-a")
        .put("roles", new JsonArray().add("cache").add("voter")).put("version", "0.1.0"));

    assertThat(byId.get("web-2").getString("status")).isEqualTo("alive");
    assertThat(byId.get("web-2").getLong("incarnation")).isEqualTo(3);
    assertThat(byId.get("web-2").getBoolean("local")).isFalse();
    assertThat(byId.get("web-2").getBoolean("monitored")).isTrue();
    assertThat(byId.get("web-2").getDouble("phi")).isEqualTo(0.25);
    assertThat(byId.get("web-3").getString("status")).isEqualTo("suspect");
    assertThat(byId.get("web-3").getDouble("phi")).isEqualTo(1000.0);
    assertThat(byId.get("web-4").getString("status")).isEqualTo("dead");
    assertThat(byId.get("web-4").getBoolean("monitored")).isTrue();
    assertThat(byId.get("web-4").containsKey("phi")).isFalse();
    assertThat(byId.get("web-5").getString("status")).isEqualTo("left");
    assertThat(byId.get("web-5").getBoolean("monitored")).isFalse();
    assertThat(r.body().toString()).doesNotContain("Infinity", "NaN");

    membership.joined(false);
    assertThat(api.send(GET, "/v1/cluster/members").json().getBoolean("joined")).isFalse();
  }

  @Test
  void showsOneMemberOrSaysThereIsNoSuchMember() {
    membership.set(FakeMembership.member("web-2.zone_b", MemberStatus.SUSPECT, 9));
    membership.phi("web-2.zone_b", 3.5);

    Reply peer = api.send(GET, "/v1/cluster/members/web-2.zone_b");
    assertThat(peer.status()).isEqualTo(200);
    assertThat(peer.json().getString("id")).isEqualTo("web-2.zone_b");
    assertThat(peer.json().getString("status")).isEqualTo("suspect");
    assertThat(peer.json().getDouble("phi")).isEqualTo(3.5);

    Reply self = api.send(GET, "/v1/cluster/members/web-1");
    assertThat(self.status()).isEqualTo(200);
    assertThat(self.json().getBoolean("local")).isTrue();

    Reply unknown = api.send(GET, "/v1/cluster/members/web-9");
    assertProblem(unknown, 404, "no-such-member");
    assertThat(unknown.json().getString("detail")).contains("web-9");
  }

  @Test
  void refusesAnInvalidMemberIdWith400() {
    for (String bad : List.of("-web", "a".repeat(64), "web%201", "web%2F1", "%C3%A9")) {
      Reply r = api.send(GET, "/v1/cluster/members/" + bad);
      assertProblem(r, 400, "invalid-request");
      JsonObject error = r.json().getJsonArray("errors").getJsonObject(0);
      assertThat(error.getString("location")).as(bad).isEqualTo("path");
      assertThat(error.getString("name")).as(bad).isEqualTo("member");
    }
  }

  @Test
  void theClusterPathsTakeOnlyGet() {
    assertProblem(api.send(HttpMethod.DELETE, "/v1/cluster/members/web-1"), 405, "method-not-allowed");
    assertProblem(api.send(HttpMethod.POST, "/v1/cluster/members"), 405, "method-not-allowed");
  }

  // ---- events

  @Test
  void streamsASnapshotThenEachChangeAsServerSentEvents() {
    membership.set(FakeMembership.member("web-2", MemberStatus.ALIVE, 1));
    EventStream stream = new EventStream(api, "/v1/cluster/events");
    assertThat(stream.response.statusCode()).isEqualTo(200);
    assertThat(stream.response.getHeader("Content-Type")).isEqualTo("text/event-stream");
    assertThat(stream.response.getHeader("Cache-Control")).isEqualTo("no-store");

    Map<String, String> snapshot = stream.awaitEvent(0);
    assertThat(snapshot).containsEntry("event", "snapshot").containsEntry("id", "0");
    JsonObject list = new JsonObject(snapshot.get("data"));
    api.assertSchema("MemberList", list);
    assertThat(list.getString("self")).isEqualTo("web-1");
    assertThat(list.getJsonArray("members")).hasSize(2);
    Awaitility.await().atMost(DEADLINE).until(() -> membership.subscribers() == 1);

    // A change on another thread, as the membership's own context would make it.
    membership.phi("web-2", 9.5);
    new Thread(() -> membership.put(MemberEvent.Kind.SUSPECTED,
        FakeMembership.member("web-2", MemberStatus.SUSPECT, 1))).start();
    Map<String, String> suspected = stream.awaitEvent(1);
    assertThat(suspected).containsEntry("event", "suspected").containsEntry("id", "1");
    JsonObject data = new JsonObject(suspected.get("data"));
    api.assertSchema("MemberEvent", data);
    assertThat(data.getString("kind")).isEqualTo("suspected");
    assertThat(data.getString("previous")).isEqualTo("alive");
    assertThat(data.getJsonObject("member").getString("status")).isEqualTo("suspect");
    assertThat(data.getJsonObject("member").getDouble("phi")).isEqualTo(9.5);

    membership.put(MemberEvent.Kind.JOINED, FakeMembership.member("web-3", MemberStatus.ALIVE, 0));
    Map<String, String> joined = stream.awaitEvent(2);
    assertThat(joined).containsEntry("event", "joined").containsEntry("id", "2");
    JsonObject joinedData = new JsonObject(joined.get("data"));
    api.assertSchema("MemberEvent", joinedData);
    assertThat(joinedData.containsKey("previous")).as("a member not known before").isFalse();

    // Idle: a comment line every heartbeat keeps proxies from closing the stream.
    Awaitility.await().atMost(DEADLINE).until(() -> stream.text.toString().contains("\n: keep-alive\n\n"));
    assertThat(stream.events()).hasSize(3);
    stream.validate();
    assertThat(stream.ended).isFalse();
  }

  @Test
  void aClientThatGoesAwayIsUnsubscribed() {
    EventStream first = new EventStream(api, "/v1/cluster/events");
    EventStream second = new EventStream(api, "/v1/cluster/events");
    first.awaitEvent(0);
    second.awaitEvent(0);
    Awaitility.await().atMost(DEADLINE).until(() -> membership.subscribers() == 2);
    ApiHarness.await(first.response.request().connection().close());
    Awaitility.await().atMost(DEADLINE).until(() -> membership.subscribers() == 1);
    membership.put(MemberEvent.Kind.DIED, FakeMembership.member("web-1", MemberStatus.ALIVE, 1));
    assertThat(second.awaitEvent(1)).containsEntry("event", "died");
  }

  @Test
  void theStreamEndsCleanlyWhenTheServerShutsDown() {
    EventStream stream = new EventStream(api, "/v1/cluster/events");
    stream.awaitEvent(0);
    Awaitility.await().atMost(DEADLINE).until(() -> membership.subscribers() == 1);
    long begin = System.nanoTime();
    api.shutdown(Duration.ofSeconds(30)); // completes once every connection is gone
    assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("the stream did not hold the shutdown up")
        .isLessThan(Duration.ofSeconds(10));
    Awaitility.await().atMost(DEADLINE).untilTrue(stream.ended);
    assertThat(stream.text.toString()).endsWith("\n\n");
    assertThat(membership.subscribers()).isZero();
  }

  @Test
  void aClientThatDoesNotReadHasItsStreamClosedInsteadOfBufferedWithoutBound() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), api.port));
      OutputStream out = socket.getOutputStream();
      out.write("GET /v1/cluster/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[64];
      int read = in.read(head); // the headers arrive; then it stops reading
      assertThat(new String(head, 0, read, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      Awaitility.await().atMost(DEADLINE).until(() -> membership.subscribers() == 1);

      // Far more than the socket buffers and the write queue hold together.
      Member big = FakeMembership.member("web-2", MemberStatus.ALIVE, 1);
      long events = 0;
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (membership.subscribers() > 0 && System.nanoTime() < deadline) {
        for (int i = 0; i < 1000; i++) {
          membership.put(MemberEvent.Kind.UPDATED, big);
        }
        events += 1000;
        Thread.sleep(5); // let the event loop drain what it can
      }
      assertThat(membership.subscribers()).as("unsubscribed after %d events", events).isZero();
    }
    // The server is fine: the next client gets its stream.
    new EventStream(api, "/v1/cluster/events").awaitEvent(0);
  }
}
