package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CounterModel;
import io.cairn.coordination.linearizability.HistoryRecorder;
import io.cairn.coordination.linearizability.LinearizabilityChecker;
import io.cairn.coordination.linearizability.RegisterModel;
import io.cairn.node.VoterGroup.Node;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordination group as three real processes, under compare-and-set load, through a {@code
 * kill -9} of its leader and a restart of every node on new ports.
 *
 * <p><b>Phase 1: the leader dies under load.</b> Three voters ({@code --cp.voters 3 --cp.initial-voters
 * a,b,c}) serve four client threads that, for about ten seconds, read a register and write it back
 * with {@code If-Match} on the version just read (each value unique), or add to a counter, each
 * request to a random live node. About three seconds in, the leader gets SIGKILL. Every answer is
 * classified: {@code 200} acknowledged, {@code 412} refused, {@code 503} not applied, and {@code
 * 504}, a timeout or a broken connection <em>unknown</em> (it may have applied). Checked:
 *
 * <ul>
 *   <li>service resumes: a CAS called after the kill is acknowledged within 15 s (the time is printed);
 *   <li>no acknowledged write is lost and versions are a register's history: a version is only ever
 *       seen with one value, acknowledged versions are distinct and each is above the version its CAS
 *       expected, and each register ends at the value of its acknowledged write with the highest
 *       version (a last CAS through a survivor, once the clients stopped, makes that exact: no
 *       conditional write of a client can succeed after it);
 *   <li>counters: the final value lies between the sum of acknowledged adds and that sum plus every
 *       add whose outcome is unknown;
 *   <li>the whole history (reads, CASes, creates, adds, with their call and return times) is
 *       linearizable ({@link LinearizabilityChecker}), with unknown outcomes free to have applied
 *       or not and {@code 503} answers trusted to mean "not applied".
 * </ul>
 *
 * <p>A second test freezes the leader with SIGSTOP instead (a long GC pause) and lets it come back
 * believing it leads, under the same load and the same checks.
 *
 * <p><b>Phase 2: identity is the node id, not the address.</b> The killed node restarts on its data
 * directory with new ports and catches up; then all three are killed at once (pods deleted together)
 * and started again on entirely new ports. The group must elect one leader again and every node must
 * answer every register's and counter's final value and version.
 *
 * <p>The clients' HTTP timeout is longer than {@code cp.request-timeout}: a client gives up only
 * after the node it asked has, so no request of this test still travels inside the cluster when the
 * final values are read.
 *
 * <p>The three nodes start at once, as a StatefulSet's pods may. Each process's output is kept in
 * {@code node/target/coordination-system-it/} (one file per start) for diagnosis.
 */
class CoordinationSystemIT {
  private static final List<String> IDS = VoterGroup.IDS;
  private static final List<String> REGISTERS = List.of("reg-0", "reg-1", "reg-2");
  private static final List<String> COUNTERS = List.of("ctr-0", "ctr-1");
  private static final int CLIENTS = 4;
  private static final Duration LOAD = Duration.ofSeconds(10);
  private static final Duration KILL_AFTER = Duration.ofSeconds(3);
  /** How long a paused leader stays frozen: several election timeouts. */
  private static final Duration PAUSE = Duration.ofSeconds(3);
  private static final Duration RESUME_BOUND = Duration.ofSeconds(15);
  /** Longer than the nodes' default {@code cp.request-timeout} (5 s): see the class comment. */
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(7);
  private static final Duration FORM_DEADLINE = VoterGroup.FORM_DEADLINE;

  @TempDir Path dir;
  private VoterGroup group;

  /** An acknowledged CAS or create: {@code value} written at {@code version}, expecting {@code expectedVersion} (0: absent). */
  private record Ack(String register, String value, long version, long expectedVersion) {}

  /** What the clients saw. */
  private final class Load {
    final HistoryRecorder<RegisterModel.Op, Object> registerHistory = new HistoryRecorder<>();
    final HistoryRecorder<CounterModel.Op, Long> counterHistory = new HistoryRecorder<>();
    final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    /** Every (register, version) -> value seen in a read or an acknowledged write. */
    final Map<String, Map<Long, String>> seen = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> anomalies = new ConcurrentLinkedQueue<>();
    final Map<String, AtomicLong> ackedAdds = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> unknownAdds = new ConcurrentHashMap<>();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    /** Writes answered 504 (outcome-unknown). */
    final AtomicLong unknown = new AtomicLong();
    /** Writes without an answer: a timeout or a broken connection. */
    final AtomicLong noAnswer = new AtomicLong();
    /** What the nodes said in their 504s and 503s, for the printout. */
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** nanoTime of the kill; 0 before it. */
    volatile long killedAt;
    /** nanoTime at which the first CAS called after the kill was acknowledged; 0 before. */
    final AtomicLong firstAckAfterKill = new AtomicLong();
    volatile List<Node> targets;
    volatile boolean stop;

    Load(List<Node> targets) {
      this.targets = targets;
      for (String c : COUNTERS) {
        ackedAdds.put(c, new AtomicLong());
        unknownAdds.put(c, new AtomicLong());
      }
    }

    void see(String register, long version, String value) {
      String before = seen.computeIfAbsent(register, r -> new ConcurrentHashMap<>()).putIfAbsent(version, value);
      if (before != null && !before.equals(value)) {
        anomalies.add(register + " version " + version + " seen with two values: " + before + " and " + value);
      }
    }
  }

  /** Every process's output is kept here after the test, one file per start, for diagnosis. */
  private static final Path LOGS = CairnProcess.JAR.resolveSibling("coordination-system-it");

  @BeforeEach
  void newGroup() {
    group = new VoterGroup(dir, LOGS, CLIENT_TIMEOUT);
  }

  @AfterEach
  void stopAll() throws InterruptedException, IOException {
    group.close();
  }

  @Test
  void theGroupSurvivesItsLeadersKillAndARestartOfAllOnNewPorts() throws Exception {
    long began = System.nanoTime();
    Map<String, Integer> firstPorts = freePorts();
    List<Node> nodes = startAll(IDS, firstPorts, "127.0.0.1:" + firstPorts.get("a"));
    String leaderId = awaitOneLeader(nodes);
    Node leader = node(nodes, leaderId);
    System.out.printf("group formed with leader %s after %d ms%n", leaderId, millisSince(began));

    // ---- phase 1: CAS load, kill -9 of the leader
    Phase1 one = loadThroughAFault(nodes, leader, false);
    List<Node> survivors = one.survivors();
    Map<String, JsonObject> finalRegisters = one.registers();
    Map<String, JsonObject> finalCounters = one.counters();
    Load load = one.load();

    // ---- phase 2: the killed node comes back on new ports; then all stop and all come back on new ports
    Node restarted = start(leaderId, freePort(),
        survivors.stream().map(Node::clusterAddress).collect(Collectors.joining(",")));
    List<Node> second = new ArrayList<>(survivors);
    second.add(restarted);
    long lastCommitted = finalRegisters.values().stream().mapToLong(j -> j.getLong("version")).max().orElseThrow();
    awaitOneLeader(second);
    Awaitility.await().atMost(FORM_DEADLINE).pollInterval(Duration.ofMillis(100))
        .until(() -> raft(restarted).getLong("commitIndex") >= lastCommitted);
    System.out.printf("%s restarted on new ports and caught up%n", leaderId);

    for (Node n : second) {
      n.process().kill(); // all at once, as pods deleted together
    }
    long allKilled = System.nanoTime();
    Map<String, Integer> ports = freePorts();
    String seeds = IDS.stream().map(id -> "127.0.0.1:" + ports.get(id)).collect(Collectors.joining(","));
    List<Node> third = startAll(IDS, ports, seeds);
    String thirdLeader = awaitOneLeader(third);
    System.out.printf("all three restarted on new ports; leader %s after %d ms%n", thirdLeader, millisSince(allKilled));
    for (Node n : third) {
      for (String r : REGISTERS) {
        JsonObject now = readUntilOk(load, n, "/v1/registers/" + r, r);
        assertThat(now.getString("value")).as("%s through %s after the restart", r, n.id())
            .isEqualTo(finalRegisters.get(r).getString("value"));
        assertThat(now.getLong("version")).as("%s's version through %s after the restart", r, n.id())
            .isEqualTo(finalRegisters.get(r).getLong("version"));
      }
      for (String c : COUNTERS) {
        JsonObject now = readUntilOk(load, n, "/v1/counters/" + c, c);
        assertThat(now.getLong("value")).as("%s through %s after the restart", c, n.id())
            .isEqualTo(finalCounters.get(c).getLong("value"));
        assertThat(now.getLong("version")).as("%s's version through %s after the restart", c, n.id())
            .isEqualTo(finalCounters.get(c).getLong("version"));
      }
    }
    System.out.printf("whole test %d ms%n", millisSince(began));
  }

  /** What phase 1 leaves: the nodes still serving, the final values read, the clients' record. */
  private record Phase1(List<Node> survivors, Map<String, JsonObject> registers, Map<String, JsonObject> counters,
      Load load) {}

  /**
   * The leader goes away under CAS and counter load: {@code kill -9}, or ({@code pause}) SIGSTOP
   * until service has resumed without it and at least {@link #PAUSE} (several election timeouts)
   * have passed, then SIGCONT, after which it is a target of the clients again. Then every check of
   * phase 1 (see the class Javadoc).
   */
  private Phase1 loadThroughAFault(List<Node> nodes, Node leader, boolean pause) throws Exception {
    Load load = new Load(List.copyOf(nodes));
    List<Thread> clients = new ArrayList<>();
    long loadStart = System.nanoTime();
    for (int i = 0; i < CLIENTS; i++) {
      int client = i;
      Thread t = new Thread(() -> runClient(load, client), "cas-client-" + i);
      t.start();
      clients.add(t);
    }
    Awaitility.await().atMost(KILL_AFTER.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> System.nanoTime() - loadStart >= KILL_AFTER.toNanos());
    List<Node> survivors = nodes.stream().filter(n -> n != leader).toList();
    load.targets = survivors;
    load.killedAt = System.nanoTime();
    if (pause) {
      leader.process().pause();
      System.out.printf("paused the leader %s (SIGSTOP) %d ms into the load%n", leader.id(), millisSince(loadStart));
    } else {
      leader.process().kill();
      System.out.printf("killed the leader %s (pid gone) %d ms into the load%n", leader.id(), millisSince(loadStart));
    }

    Awaitility.await().atMost(RESUME_BOUND).pollInterval(Duration.ofMillis(10))
        .until(() -> load.firstAckAfterKill.get() != 0);
    long resumedMillis = (load.firstAckAfterKill.get() - load.killedAt) / 1_000_000;
    System.out.printf("first acknowledged CAS through a survivor %d ms after the %s%n", resumedMillis,
        pause ? "pause" : "kill");
    if (pause) {
      Awaitility.await().atMost(PAUSE.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> System.nanoTime() - load.killedAt >= PAUSE.toNanos());
      leader.process().resume();
      load.targets = List.copyOf(nodes); // the old leader serves again, or must say it cannot
      System.out.printf("resumed %s (SIGCONT) after %d ms%n", leader.id(), millisSince(load.killedAt));
    }
    Awaitility.await().atMost(LOAD.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> System.nanoTime() - loadStart >= LOAD.toNanos());
    load.stop = true;
    for (Thread t : clients) {
      t.join(CLIENT_TIMEOUT.toMillis() * 2);
      assertThat(t.isAlive()).as("%s still runs", t.getName()).isFalse();
    }
    System.out.printf("load: %d ms, %d acknowledged, %d refused (412), %d unavailable (503), %d unknown (504),"
        + " %d unknown (no answer)%n", millisSince(loadStart), load.acknowledged.get(), load.refused.get(),
        load.unavailable.get(), load.unknown.get(), load.noAnswer.get());
    load.failures.stream().limit(10).forEach(f -> System.out.println("  " + f));

    // A last acknowledged CAS per register through a survivor: after it no client's CAS can succeed.
    for (String r : REGISTERS) {
      closingWrite(load, survivors.get(0), r);
    }
    Map<String, JsonObject> finalRegisters = new TreeMap<>();
    Map<String, JsonObject> finalCounters = new TreeMap<>();
    for (String r : REGISTERS) {
      finalRegisters.put(r, readUntilOk(load, survivors.get(1), "/v1/registers/" + r, r));
    }
    for (String c : COUNTERS) {
      finalCounters.put(c, readUntilOk(load, survivors.get(1), "/v1/counters/" + c, c));
    }
    assertThat(load.anomalies).as("anomalies seen by the clients").isEmpty();
    checkRegisters(load, finalRegisters);
    checkCounters(load, finalCounters);
    checkLinearizable(load);

    return new Phase1(survivors, finalRegisters, finalCounters, load);
  }

  /**
   * A leader frozen longer than an election timeout (SIGSTOP: a GC pause, a stalled VM) comes back
   * believing it leads: the survivors have elected another, and nothing the frozen one answers,
   * before or after it learns so, may be stale or lose an acknowledged write. Phase 1's checks,
   * with a pause instead of a kill.
   */
  @Test
  void aLeaderPausedPastItsTermGivesNoStaleAnswers() throws Exception {
    Map<String, Integer> ports = freePorts();
    List<Node> nodes = startAll(IDS, ports, "127.0.0.1:" + ports.get("a"));
    Node leader = node(nodes, awaitOneLeader(nodes));
    loadThroughAFault(nodes, leader, true);
  }

  // ---- the clients

  private void runClient(Load load, int client) {
    SplittableRandom random = new SplittableRandom(client * 7919L + System.nanoTime());
    for (int op = 0; !load.stop; op++) {
      List<Node> targets = load.targets;
      Node target = targets.get(random.nextInt(targets.size()));
      if (random.nextInt(5) == 0) {
        add(load, client, target, COUNTERS.get(random.nextInt(COUNTERS.size())), 1 + random.nextInt(5));
      } else {
        readThenCas(load, client, target, REGISTERS.get(random.nextInt(REGISTERS.size())), "c" + client + "-" + op);
      }
    }
  }

  /** Reads {@code register} and writes {@code value} over what it read (If-Match), or creates it. */
  private void readThenCas(Load load, int client, Node target, String register, String value) {
    var read = load.registerHistory.invoke(client, new RegisterModel.Read(register));
    HttpResponse<String> r;
    try {
      r = send(target, HttpRequest.newBuilder(uri(target, "/v1/registers/" + register)).GET());
    } catch (IOException e) {
      load.registerHistory.unknown(read);
      return;
    }
    long expectedVersion;
    String expectedValue;
    if (r.statusCode() == 200) {
      JsonObject body = new JsonObject(r.body());
      expectedVersion = body.getLong("version");
      expectedValue = body.getString("value");
      load.registerHistory.ok(read, Optional.of(expectedValue));
      load.see(register, expectedVersion, expectedValue);
    } else if (r.statusCode() == 404) {
      expectedVersion = 0;
      expectedValue = null;
      load.registerHistory.ok(read, Optional.empty());
    } else {
      load.registerHistory.unknown(read); // a read changes nothing: unknown is simply left out
      unexpectedUnless(load, r, 503);
      return;
    }

    RegisterModel.Op input = expectedValue == null ? new RegisterModel.Create(register, value)
        : new RegisterModel.Cas(register, expectedValue, value);
    var write = load.registerHistory.invoke(client, input);
    long called = System.nanoTime();
    HttpRequest.Builder put = HttpRequest.newBuilder(uri(target, "/v1/registers/" + register))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("value", value).encode()));
    put = expectedValue == null ? put.header("If-None-Match", "*") : put.header("If-Match", "\"" + expectedVersion + "\"");
    try {
      r = send(target, put);
    } catch (IOException e) {
      load.noAnswer.incrementAndGet();
      load.registerHistory.unknown(write);
      return;
    }
    switch (r.statusCode()) {
      case 200 -> {
        load.registerHistory.ok(write, Boolean.TRUE);
        JsonObject body = new JsonObject(r.body());
        long version = body.getLong("version");
        load.acknowledged.incrementAndGet();
        load.acks.add(new Ack(register, value, version, expectedVersion));
        load.see(register, version, body.getString("value"));
        if (!value.equals(body.getString("value"))) {
          load.anomalies.add("a CAS of " + value + " answered " + r.body());
        }
        if (load.killedAt != 0 && called - load.killedAt > 0) {
          load.firstAckAfterKill.compareAndSet(0, System.nanoTime());
        }
      }
      case 412 -> {
        load.refused.incrementAndGet();
        load.registerHistory.ok(write, Boolean.FALSE);
      }
      case 503 -> {
        load.unavailable.incrementAndGet();
        load.failures.add(target.id() + ": " + r.body());
        load.registerHistory.fail(write);
      }
      case 504 -> {
        load.unknown.incrementAndGet();
        load.failures.add(target.id() + ": " + r.body());
        load.registerHistory.unknown(write);
      }
      default -> {
        load.registerHistory.unknown(write);
        unexpectedUnless(load, r);
      }
    }
  }

  private void add(Load load, int client, Node target, String counter, long delta) {
    var h = load.counterHistory.invoke(client, new CounterModel.Add(counter, delta));
    HttpResponse<String> r;
    try {
      r = send(target, HttpRequest.newBuilder(uri(target, "/v1/counters/" + counter))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("delta", delta).encode())));
    } catch (IOException e) {
      load.noAnswer.incrementAndGet();
      load.unknownAdds.get(counter).addAndGet(delta);
      load.counterHistory.unknown(h);
      return;
    }
    switch (r.statusCode()) {
      case 200 -> {
        load.acknowledged.incrementAndGet();
        load.ackedAdds.get(counter).addAndGet(delta);
        load.counterHistory.ok(h, new JsonObject(r.body()).getLong("value"));
      }
      case 503 -> {
        load.unavailable.incrementAndGet();
        load.failures.add(target.id() + ": " + r.body());
        load.counterHistory.fail(h);
      }
      case 504 -> {
        load.unknown.incrementAndGet();
        load.failures.add(target.id() + ": " + r.body());
        load.unknownAdds.get(counter).addAndGet(delta);
        load.counterHistory.unknown(h);
      }
      default -> {
        load.unknownAdds.get(counter).addAndGet(delta);
        load.counterHistory.unknown(h);
        unexpectedUnless(load, r);
      }
    }
  }

  private static void unexpectedUnless(Load load, HttpResponse<String> r, int... expected) {
    for (int e : expected) {
      if (r.statusCode() == e) {
        return;
      }
    }
    load.anomalies.add("unexpected " + r.statusCode() + " for " + r.request().method() + " " + r.uri() + ": " + r.body());
  }

  /** After the load: read and CAS {@code register} through {@code n} until one CAS is acknowledged. */
  private void closingWrite(Load load, Node n, String register) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      long before = load.acknowledged.get();
      readThenCas(load, CLIENTS, n, register, "closing-" + register + "-" + System.nanoTime());
      return load.acknowledged.get() > before;
    });
  }

  /** Reads {@code path} through {@code n} until 200 (a node that just restarted may answer 503 for a moment). */
  private JsonObject readUntilOk(Load load, Node n, String path, String key) {
    JsonObject[] result = new JsonObject[1];
    Awaitility.await().atMost(FORM_DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreException(IOException.class)
        .until(() -> {
          HttpResponse<String> r = send(n, HttpRequest.newBuilder(uri(n, path)).GET());
          if (r.statusCode() != 200) {
            return false;
          }
          result[0] = new JsonObject(r.body());
          return true;
        });
    if (path.startsWith("/v1/registers/")) {
      load.see(key, result[0].getLong("version"), result[0].getString("value"));
    }
    return result[0];
  }

  // ---- the checks

  private static void checkRegisters(Load load, Map<String, JsonObject> finals) {
    Map<String, List<Ack>> byRegister = load.acks.stream().collect(Collectors.groupingBy(Ack::register));
    for (String r : REGISTERS) {
      List<Ack> acks = byRegister.getOrDefault(r, List.of()).stream()
          .sorted((x, y) -> Long.compare(x.version(), y.version())).toList();
      assertThat(acks).as("acknowledged writes of %s", r).isNotEmpty();
      assertThat(acks.stream().map(Ack::version).distinct().count())
          .as("versions of %s's acknowledged writes are distinct: %s", r, acks).isEqualTo(acks.size());
      for (Ack a : acks) {
        assertThat(a.version()).as("%s is newer than the version its CAS expected", a).isGreaterThan(a.expectedVersion());
      }
      Ack last = acks.get(acks.size() - 1);
      JsonObject fin = finals.get(r);
      assertThat(fin.getLong("version")).as("%s's final version", r).isEqualTo(last.version());
      assertThat(fin.getString("value")).as("%s's final value is its last acknowledged write", r).isEqualTo(last.value());
      System.out.printf("%s: %d acknowledged writes, final version %d%n", r, acks.size(), last.version());
    }
  }

  private static void checkCounters(Load load, Map<String, JsonObject> finals) {
    for (String c : COUNTERS) {
      long value = finals.get(c).getLong("value");
      long acked = load.ackedAdds.get(c).get();
      long unknown = load.unknownAdds.get(c).get();
      System.out.printf("%s: final %d, acknowledged adds %d, unknown adds %d%n", c, value, acked, unknown);
      assertThat(value).as("%s: no acknowledged add lost, no add applied that was refused", c)
          .isBetween(acked, acked + unknown);
    }
  }

  private static void checkLinearizable(Load load) {
    var registers = load.registerHistory.history();
    var counters = load.counterHistory.history();
    var r = LinearizabilityChecker.check(new RegisterModel(), registers, Duration.ofSeconds(30));
    var c = LinearizabilityChecker.check(new CounterModel(), counters, Duration.ofSeconds(30));
    System.out.printf("linearizability: %d register operations in %d ms (%s), %d counter operations in %d ms (%s)%n",
        registers.size(), r.elapsed().toMillis(), r.verdict(), counters.size(), c.elapsed().toMillis(), c.verdict());
    r.assertLinearizable();
    c.assertLinearizable();
  }

  // ---- nodes

  private Node start(String id, int clusterPort, String seeds) throws IOException {
    return group.start(id, clusterPort, seeds);
  }

  private List<Node> startAll(List<String> ids, Map<String, Integer> clusterPorts, String seeds) throws IOException {
    return group.startAll(ids, clusterPorts, seeds);
  }

  private String awaitOneLeader(List<Node> nodes) {
    return group.awaitOneLeader(nodes);
  }

  private JsonObject raft(Node n) throws IOException {
    return group.raft(n);
  }

  private static Node node(List<Node> nodes, String id) {
    return VoterGroup.node(nodes, id);
  }

  /** Sends with the client timeout; an interrupted or timed-out request is an {@link IOException} (unknown outcome). */
  private HttpResponse<String> send(Node n, HttpRequest.Builder request) throws IOException {
    return group.send(request);
  }

  private static URI uri(Node n, String path) {
    return n.uri(path);
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  private static Map<String, Integer> freePorts() throws IOException {
    return VoterGroup.freePorts();
  }

  private static int freePort() throws IOException {
    return VoterGroup.freePort();
  }
}
