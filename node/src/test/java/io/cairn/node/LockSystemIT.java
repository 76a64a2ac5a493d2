package io.cairn.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.VoterGroup.Node;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lock under contention through a {@code kill -9} of the Raft leader and a holder frozen past its
 * session's TTL: three voter processes and four client processes ({@link LockClientMain}), each
 * taking the lock {@code job}, writing one cache entry through the lock's fencing token a few
 * times, and releasing it.
 *
 * <p><b>Where the fenced writes go.</b> Caches are not yet partitioned: a cache lives on the node
 * that serves it, and so does its fence (the greatest token seen, {@code FencedWrites}), in
 * memory. Every fenced write of this test goes to one node's cache, a node that is <em>not</em>
 * the leader at the start, so it is never the one killed: its fence table lives through the test,
 * and what is tested is the fence against the coordination group's failover, not the loss of a
 * cache node (which would lose the cache and its fence together).
 *
 * <p><b>The run.</b> Once the clients have written a little, the leader gets SIGKILL (the clients
 * fail over to the survivors: a dead node's connection errors and the group's {@code 503}/{@code
 * 504} answers are tolerated, an acquire of unknown outcome is resolved with a read of the lock);
 * when a grant has been seen after the kill, the killed node starts again on new ports, and
 * meanwhile one client, which dwells before each of its five writes, is frozen with SIGSTOP while
 * it holds the lock with writes still to make (its log shows the grant, and the group names its
 * session and token as the holder's), until its session has ended on the group, the lock has
 * passed on and TTL + 3 s have gone by; then it is resumed and goes on writing with its old
 * token, as a holder that does not know it was paused would. The clients stop once its writes are
 * done and the restarted node is ready.
 *
 * <p><b>Checked</b>, from the clients' logs (wall-clock times in µs; all processes share the
 * clock):
 *
 * <ol>
 *   <li>mutual exclusion: the holds of different grants, each as far as its client could know it
 *       held the lock, never overlap: from the grant's answer to the first release the client sent
 *       or, if sooner, TTL after the last renewal of its session that it saw acknowledged was sent
 *       (what the session's contract lets a client count on; a release that was acknowledged
 *       proves the hold lasted until it was sent). So the frozen holder's hold ends at its lease,
 *       and the next grant's answer must come after that. And that lease was kept: the frozen
 *       holder's session was not seen ended before it ran out;
 *   <li>accepted writes never go back in tokens: an accepted write that started after another
 *       accepted write ended does not carry a smaller token;
 *   <li>every write the frozen client started after it was resumed with its pre-pause token was
 *       refused with {@code 409 stale-fencing-token} (and there was at least one);
 *   <li>tokens granted strictly increase in the real-time order of grants that do not overlap (a
 *       session's holder getting its own hold again, reentrantly, keeps its token);
 *   <li>the entry's final value is the last accepted write (the one with the greatest token), or a
 *       write of no known outcome above it;
 *   <li>progress: enough accepted writes from at least two clients, and a grant after the kill.
 * </ol>
 *
 * <p>Every process's output and each client's log are kept in {@code node/target/lock-system-it/}.
 */
class LockSystemIT {
  private static final Path LOGS = CairnProcess.JAR.resolveSibling("lock-system-it");
  private static final String CACHE = "fenced";
  private static final String KEY = "fenced";
  private static final int CLIENTS = 4;
  private static final long TTL_MILLIS = 2000;
  private static final long WAIT_MILLIS = 3000;
  /** Writes a section of a client that is not frozen; the frozen one makes {@link #PAUSED_WRITES}. */
  private static final int WRITES = 3;
  private static final int PAUSED_WRITES = 5;
  private static final long PAUSED_DWELL_MILLIS = 300;
  private static final Duration PAUSE = Duration.ofMillis(TTL_MILLIS).plusSeconds(3);
  private static final int MIN_ACCEPTED = 10;
  private static final Duration STEP_DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private VoterGroup group;
  private final Map<String, CairnProcess> clients = new LinkedHashMap<>();
  private Path nodesFile;
  private Path stopFile;
  private Path fenceFile;

  @BeforeEach
  void newGroup() throws IOException {
    group = new VoterGroup(CairnProcess.newDir(dir, "nodes"), LOGS, Duration.ofSeconds(10));
    nodesFile = dir.resolve("nodes.txt");
    stopFile = dir.resolve("stop");
    fenceFile = dir.resolve("fence.txt");
  }

  @AfterEach
  void stopAll() throws Exception {
    Files.createDirectories(LOGS);
    for (Map.Entry<String, CairnProcess> c : clients.entrySet()) {
      c.getValue().close();
      Files.writeString(LOGS.resolve("client-" + c.getKey() + ".out"), c.getValue().output(), UTF_8);
      Path log = clientLog(c.getKey());
      if (Files.exists(log)) {
        Files.copy(log, LOGS.resolve("client-" + c.getKey() + ".log"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    group.close();
  }

  @Test
  void fencedWritesStayInTokenOrderThroughALeaderKillAndAHolderFrozenPastItsTtl() throws Exception {
    long began = System.nanoTime();
    List<Node> nodes = group.startThree();
    writeNodes(nodes);
    String paused = "c0";
    for (int i = 0; i < CLIENTS; i++) { // their JVMs start while the group elects; they wait for the fence file
      String name = "c" + i;
      boolean dwells = name.equals(paused);
      clients.put(name, CairnProcess.startMain(dir, LockClientMain.class, name, nodesFile.toString(),
          fenceFile.toString(), CACHE, KEY, clientLog(name).toString(), stopFile.toString(), Long.toString(TTL_MILLIS),
          Long.toString(WAIT_MILLIS), Integer.toString(dwells ? PAUSED_WRITES : WRITES),
          Long.toString(dwells ? PAUSED_DWELL_MILLIS : 0)));
    }
    String leaderId = group.awaitOneLeader(nodes);
    Node leader = VoterGroup.node(nodes, leaderId);
    Node fence = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    System.out.printf("group formed after %d ms: leader %s, fenced writes through %s%n", millisSince(began), leaderId,
        fence.id());
    HttpResponse<String> created = group.send(HttpRequest.newBuilder(fence.uri("/v1/caches/" + CACHE))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"maxEntries\":100}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    Files.writeString(fenceFile, fence.base() + "\n", UTF_8);
    long loadStart = System.nanoTime();

    // ---- the leader dies under load, and comes back on new ports (while a holder is frozen below)
    awaitLogs("3 accepted writes", h -> h.accepted().size() >= 3);
    leader.process().kill();
    long killedAt = LockClientMain.now();
    List<Node> survivors = nodes.stream().filter(n -> n != leader).toList();
    writeNodes(survivors);
    System.out.printf("killed the leader %s %d ms into the load%n", leaderId, millisSince(loadStart));
    awaitLogs("a grant after the kill", h -> h.grants().stream().anyMatch(g -> g.start() > killedAt));
    System.out.printf("lock granted again %d ms after the kill%n", (LockClientMain.now() - killedAt) / 1000);
    CompletableFuture<Node> restart = CompletableFuture.supplyAsync(() -> {
      try {
        Node restarted = group.start(leaderId, VoterGroup.freePort(),
            survivors.stream().map(Node::clusterAddress).collect(Collectors.joining(",")));
        List<Node> all = new ArrayList<>(survivors);
        all.add(restarted);
        writeNodes(all);
        System.out.printf("%s restarted on new ports %d ms into the load%n", leaderId, millisSince(loadStart));
        return restarted;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    // ---- a holder frozen past its TTL
    Pause pause = freezeHolder(clients.get(paused), paused, fence, loadStart);
    awaitLogs(paused + "'s writes after the pause", h -> h.writes().stream()
        .filter(w -> w.client().equals(paused) && w.token() == pause.token()).count() == PAUSED_WRITES);
    awaitLogs("an accepted write after the pause", h -> h.accepted().stream().anyMatch(w -> w.start() > pause.resumedAt()));
    restart.get(STEP_DEADLINE.toSeconds(), TimeUnit.SECONDS);

    Files.writeString(stopFile, "stop");
    for (Map.Entry<String, CairnProcess> c : clients.entrySet()) {
      assertThat(c.getValue().awaitExit(STEP_DEADLINE)).as("%s's exit", c.getKey()).isZero();
    }
    System.out.printf("load %d ms%n", millisSince(loadStart));

    HttpResponse<String> last = group.send(HttpRequest.newBuilder(fence.uri("/v1/caches/" + CACHE + "/entries/" + KEY)));
    assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
    History h = history();
    check(h, pause, paused, killedAt, last.body());
    System.out.printf("whole test %d ms%n", millisSince(began));
  }

  /**
   * The frozen client: its session and token, when it was frozen, when its session was seen ended
   * (after a 404 came), and when it was resumed (µs).
   */
  private record Pause(long session, long token, long frozenAt, long endSeen, long resumedAt) {}

  /**
   * Freezes {@code client} with SIGSTOP as soon as its log shows it holding the lock, and keeps the
   * freeze if the lock's holder, read from the group, is its session with at least two writes
   * left (one may be under way); otherwise resumes it and tries again at its next grant. Resumes
   * it once its session has ended on the group and {@link #PAUSE} has passed.
   */
  private Pause freezeHolder(CairnProcess process, String client, Node reader, long loadStart) throws Exception {
    long deadline = System.nanoTime() + STEP_DEADLINE.toNanos() * 2;
    int seenEnters = -1;
    while (System.nanoTime() < deadline) {
      List<Event> events = read(client);
      List<Grant> enters = events.stream().filter(Grant.class::isInstance).map(Grant.class::cast).toList();
      if (seenEnters < 0) {
        seenEnters = enters.size(); // wait for a grant not seen yet: its writes are still to come
      }
      if (enters.size() <= seenEnters) {
        Thread.sleep(10);
        continue;
      }
      seenEnters = enters.size();
      process.pause();
      long frozenAt = LockClientMain.now();
      events = read(client); // the process is frozen: its log no longer changes
      Grant g = events.stream().filter(Grant.class::isInstance).map(Grant.class::cast).reduce((a, b) -> b).orElseThrow();
      long done = events.stream().filter(e -> e instanceof Write w && w.token() == g.token()).count();
      boolean released = events.stream().anyMatch(e -> e instanceof Release r && r.token() == g.token());
      JsonObject holder = lock(reader).getJsonObject("holder");
      if (released || done > PAUSED_WRITES - 2 || holder == null || holder.getLong("session") != g.session()
          || holder.getLong("token") != g.token()) {
        process.resume();
        System.out.printf("froze %s too late (token %d, %d writes made, holder %s); again%n", client, g.token(), done,
            holder);
        continue;
      }
      long session = g.session();
      System.out.printf("froze %s holding token %d (session %d, %d writes made) %d ms into the load%n", client,
          g.token(), session, done, millisSince(loadStart));
      Awaitility.await().atMost(STEP_DEADLINE).pollInterval(Duration.ofMillis(50)).ignoreException(IOException.class)
          .until(() -> status(reader, "/v1/sessions/" + session) == 404);
      long ended = LockClientMain.now();
      JsonObject after = Awaitility.await().atMost(STEP_DEADLINE).pollInterval(Duration.ofMillis(50))
          .until(() -> lock(reader), l -> {
            JsonObject h = l.getJsonObject("holder");
            return h != null && h.getLong("session") != session;
          });
      assertThat(after.getJsonObject("holder").getLong("token")).as("the next holder's token").isGreaterThan(g.token());
      long sleep = frozenAt / 1000 + PAUSE.toMillis() - LockClientMain.now() / 1000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      long resumedAt = LockClientMain.now();
      process.resume();
      System.out.printf("%s's session %d ended on the group %d ms into the freeze; next holder %s; resumed after %d ms%n",
          client, session, (ended - frozenAt) / 1000, after.getJsonObject("holder"), (resumedAt - frozenAt) / 1000);
      return new Pause(session, g.token(), frozenAt, ended, resumedAt);
    }
    throw new AssertionError("could not freeze " + client + " holding the lock with writes to make");
  }

  // ---- the checks

  private static void check(History h, Pause pause, String paused, long killedAt, String finalValue) {
    List<Write> accepted = h.accepted();
    long refused = h.writes().stream().filter(w -> w.status().equals("409")).count();
    List<Write> unknown = h.writes().stream().filter(Write::mayHaveApplied).toList();
    List<Write> pausedAfter = h.writes().stream()
        .filter(w -> w.client().equals(paused) && w.token() <= pause.token() && w.start() > pause.frozenAt()).toList();
    System.out.printf("grants %d (tokens %d..%d), writes %d: accepted %d, refused %d, of no known outcome %d,"
            + " other %d%n", h.grants().size(), h.grants().stream().mapToLong(Grant::token).min().orElse(0),
        h.grants().stream().mapToLong(Grant::token).max().orElse(0), h.writes().size(), accepted.size(), refused,
        unknown.size(), h.writes().size() - accepted.size() - refused - unknown.size());
    System.out.printf("acquires not granted: %s; grants after an unknown answer: %d%n", h.acquires().stream()
        .collect(Collectors.groupingBy(Acquire::outcome, TreeMap::new, Collectors.counting())),
        h.grants().stream().filter(g -> !g.how().equals("200")).count());
    System.out.printf("accepted by client: %s%n", accepted.stream()
        .collect(Collectors.groupingBy(Write::client, TreeMap::new, Collectors.counting())));
    System.out.printf("%s after its freeze, with token %d: %s%n", paused, pause.token(),
        pausedAfter.stream().map(w -> "#" + w.i() + " " + w.status() + " " + w.detail()).toList());
    System.out.printf("final value %s%n", finalValue);

    // 1. mutual exclusion: each grant's hold, as far as its client could know it held the lock
    List<Section> sections = new ArrayList<>();
    for (Grant g : h.grants()) {
      List<Release> releases = h.releases().stream()
          .filter(r -> r.client().equals(g.client()) && r.token() == g.token() && r.start() > g.end()).toList();
      long held = Math.min(h.leaseEnd(g.session()),
          releases.stream().mapToLong(Release::start).min().orElse(Long.MAX_VALUE));
      long released = releases.stream().filter(r -> r.status().equals("200")).mapToLong(Release::start).min()
          .orElse(Long.MIN_VALUE);
      sections.add(new Section(g, Math.max(held, released)));
    }
    sections.sort(Comparator.comparingLong(Section::from));
    for (int i = 1; i < sections.size(); i++) {
      for (int j = 0; j < i; j++) {
        Section a = sections.get(j);
        Section b = sections.get(i);
        if (a.grant().token() != b.grant().token() && !a.isEmpty() && !b.isEmpty()) {
          assertThat(b.from()).as("%s overlaps %s", b, a).isGreaterThanOrEqualTo(a.to());
        }
      }
    }
    System.out.printf("holds: %d, %d of them ended by the holder's lease; the frozen one (µs): %s%n", sections.size(),
        sections.stream().filter(x -> x.to() < h.releases().stream()
            .filter(r -> r.client().equals(x.grant().client()) && r.token() == x.grant().token())
            .mapToLong(Release::start).min().orElse(Long.MAX_VALUE)).count(),
        sections.stream().filter(x -> x.grant().client().equals(paused) && x.grant().token() == pause.token())
            .findFirst().orElseThrow());
    assertThat(sections.stream().filter(x -> !x.isEmpty())).as("sections").hasSizeGreaterThanOrEqualTo(3);

    // 1b. the session guarantee that mutual exclusion rests on: the frozen client's session did
    // not end before TTL after the last renewal it saw acknowledged was sent
    assertThat(pause.endSeen()).as("when %s's session %d was seen ended, against TTL after its last acknowledged"
        + " renewal", paused, pause.session()).isGreaterThanOrEqualTo(h.leaseEnd(pause.session()));

    // 2. accepted tokens never go back in real time
    for (Write a : accepted) {
      for (Write b : accepted) {
        if (b.start() > a.end()) {
          assertThat(b.token()).as("%s accepted after %s", b, a).isGreaterThanOrEqualTo(a.token());
        }
      }
    }

    // 3. the frozen client's stale writes
    assertThat(pausedAfter).as("%s's writes with token %d after its freeze", paused, pause.token()).isNotEmpty();
    for (Write w : pausedAfter) {
      assertThat(w.status()).as("%s's stale write %s", paused, w).isEqualTo("409");
      assertThat(w.detail()).as("%s's stale write %s", paused, w).isEqualTo("stale-fencing-token");
    }

    // 4. grants in real time
    for (Grant a : h.grants()) {
      for (Grant b : h.grants()) {
        if (b.start() > a.end() && !(b.token() == a.token() && b.session() == a.session())) {
          assertThat(b.token()).as("%s granted after %s", b, a).isGreaterThan(a.token());
        }
      }
    }

    // 5. the final value
    Write lastAccepted = accepted.stream().max(Comparator.comparingLong(Write::token).thenComparingInt(Write::i))
        .orElseThrow();
    List<String> possible = new ArrayList<>(List.of(lastAccepted.detail()));
    unknown.stream().filter(w -> w.token() >= lastAccepted.token()).forEach(w -> possible.add(w.detail()));
    assertThat(finalValue).as("the entry's final value").isIn(possible);
    assertThat(Long.parseLong(finalValue.split(":")[1])).as("the final value's token")
        .isEqualTo(accepted.stream().mapToLong(Write::token).max().orElseThrow());

    // 6. progress
    assertThat(accepted).as("accepted writes").hasSizeGreaterThanOrEqualTo(MIN_ACCEPTED);
    assertThat(accepted.stream().map(Write::client).distinct().count()).as("clients with accepted writes")
        .isGreaterThanOrEqualTo(2);
    assertThat(h.grants().stream().filter(g -> g.start() > killedAt)).as("grants after the kill").isNotEmpty();
    assertThat(accepted.stream().filter(w -> w.start() > killedAt)).as("accepted writes after the kill").isNotEmpty();
  }

  // ---- the clients' logs

  private sealed interface Event permits Renewal, Grant, Acquire, Write, Release {}

  /** A session opened or renewed: its client may count on it until TTL after {@code start}. */
  private record Renewal(String client, long session, long start, long end) implements Event {}

  /**
   * A grant's hold as its client could know it, {@code from} the grant's answer {@code to} the
   * first release it sent or, before that, TTL after its last acknowledged renewal (the later of
   * that and a release that was acknowledged): a part of the true hold, if the lock and the
   * sessions keep their promises.
   */
  private record Section(Grant grant, long to) {
    long from() {
      return grant.end();
    }

    boolean isEmpty() {
      return to <= from();
    }
  }

  private record Grant(String client, long token, long session, long count, long start, long end, String how)
      implements Event {}

  /** An acquire that did not grant: its status, or what became of an acquire of unknown outcome. */
  private record Acquire(String client, String outcome, long session, long start, long end) implements Event {}

  private record Write(String client, long token, int i, String status, long start, long end, String detail)
      implements Event {
    boolean accepted() {
      return status.equals("200") || status.equals("201");
    }

    /** No answer, or one that does not say nothing was written. */
    boolean mayHaveApplied() {
      return status.equals("IO") || status.equals("504") || status.equals("500");
    }
  }

  private record Release(String client, long token, String status, long start, long end, long remaining)
      implements Event {}

  private record History(List<Renewal> renewals, List<Grant> grants, List<Acquire> acquires, List<Write> writes,
      List<Release> releases) {
    /** TTL after the last acknowledged create or renewal of {@code session} was sent (µs). */
    long leaseEnd(long session) {
      return renewals.stream().filter(r -> r.session() == session).mapToLong(Renewal::start).max().orElseThrow()
          + TTL_MILLIS * 1000;
    }

    List<Write> accepted() {
      return writes.stream().filter(Write::accepted).toList();
    }
  }

  private History history() throws IOException {
    List<Event> all = new ArrayList<>();
    for (String c : clients.keySet()) {
      all.addAll(read(c));
    }
    return new History(all.stream().filter(Renewal.class::isInstance).map(Renewal.class::cast).toList(),
        all.stream().filter(Grant.class::isInstance).map(Grant.class::cast).toList(),
        all.stream().filter(Acquire.class::isInstance).map(Acquire.class::cast).toList(),
        all.stream().filter(Write.class::isInstance).map(Write.class::cast).toList(),
        all.stream().filter(Release.class::isInstance).map(Release.class::cast).toList());
  }

  private List<Event> read(String client) throws IOException {
    Path log = clientLog(client);
    if (!Files.exists(log)) {
      return List.of();
    }
    List<Event> events = new ArrayList<>();
    String text = Files.readString(log, UTF_8);
    // a line is whole once its newline is written: the last one may still be under way
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
      String[] f = line.split(" ");
      switch (f[0]) {
        case "ENTER" -> events.add(new Grant(client, Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), Long.parseLong(f[5]), f[6]));
        case "WRITE" -> events.add(new Write(client, Long.parseLong(f[1]), Integer.parseInt(f[2]), f[3],
            Long.parseLong(f[4]), Long.parseLong(f[5]), f[6]));
        case "RELEASE" -> events.add(new Release(client, Long.parseLong(f[1]), f[2], Long.parseLong(f[3]),
            Long.parseLong(f[4]), Long.parseLong(f[5])));
        case "ACQUIRE" -> events.add(new Acquire(client, f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4])));
        case "SESSION", "RENEWED" -> events.add(new Renewal(client, Long.parseLong(f[1]), Long.parseLong(f[2]),
            Long.parseLong(f[3])));
        default -> { } // LOST
      }
    }
    return events;
  }

  private void awaitLogs(String what, Predicate<History> until) {
    Awaitility.await(what).atMost(STEP_DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> until.test(history()));
  }

  private Path clientLog(String client) {
    return dir.resolve(client + ".log");
  }

  // ---- the nodes

  private void writeNodes(List<Node> nodes) throws IOException {
    Path tmp = dir.resolve("nodes.tmp");
    Files.writeString(tmp, nodes.stream().map(Node::base).collect(Collectors.joining("\n", "", "\n")), UTF_8);
    Files.move(tmp, nodesFile, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The lock as the group has it, read through {@code n} (again while it answers anything but 200). */
  private JsonObject lock(Node n) {
    return Awaitility.await().atMost(STEP_DEADLINE).pollInterval(Duration.ofMillis(50))
        .ignoreException(IOException.class)
        .until(() -> group.send(HttpRequest.newBuilder(n.uri("/v1/locks/job"))), r -> r.statusCode() == 200)
        .body().transform(JsonObject::new);
  }

  private int status(Node n, String path) throws IOException {
    return group.send(HttpRequest.newBuilder(n.uri(path))).statusCode();
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
