package io.cairn.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client of {@link LockSystemIT}, run as a process of its own so that the test can freeze it
 * with SIGSTOP. It opens a session (kept alive from a thread of its own), and until the stop file
 * exists: takes the lock, makes a few fenced writes of one cache entry through the lock's token,
 * and releases it. Everything it sees goes to its log, one line an event, flushed at once, times
 * in microseconds of the wall clock (every process of the test runs on one machine):
 *
 * <pre>
 * SESSION  &lt;session&gt; &lt;start&gt; &lt;end&gt;                             (opened; start: when the create was sent)
 * RENEWED  &lt;session&gt; &lt;start&gt; &lt;end&gt;                             (a keepalive answered 200)
 * LOST     &lt;session&gt; &lt;time&gt;                                      (a keepalive or an acquire answered 404)
 * ENTER    &lt;token&gt; &lt;session&gt; &lt;count&gt; &lt;start&gt; &lt;end&gt; &lt;how&gt;         (granted; how: 200, or resolved after an unknown answer)
 * ACQUIRE  &lt;outcome&gt; &lt;session&gt; &lt;start&gt; &lt;end&gt;                   (not granted: the status, refused-connection, or unknown-... / unresolved-... after an unknown answer)
 * WRITE    &lt;token&gt; &lt;i&gt; &lt;status&gt; &lt;start&gt; &lt;end&gt; &lt;value or problem&gt;  (status: the HTTP status, IO without an answer)
 * RELEASE  &lt;token&gt; &lt;status&gt; &lt;start&gt; &lt;end&gt; &lt;remainingCount or -1&gt;
 * </pre>
 *
 * <p>It is a naive holder on purpose: once granted it makes all its writes, whatever befalls its
 * session meanwhile (a pause past its TTL included), so that only the fence stands between a
 * stale holder and the cache. {@code dwellMillis} sleeps before each write, so that the test can catch
 * it holding the lock.
 *
 * <p>Arguments: {@code name nodesFile fenceFile cache key logFile stopFile ttlMillis waitMillis
 * writes dwellMillis}. The nodes file lists the nodes' base URLs, one a line; it is read again
 * before each request, so the test can change it as nodes die and come back. Fenced writes all go
 * to one node, the base URL in the fence file (the client starts once that file exists): the
 * fence of a cache is kept by the node that serves it.
 */
public final class LockClientMain {
  private static final String LOCK = "job";
  private static final Duration TIMEOUT = Duration.ofSeconds(8);

  private final String name;
  private final Path nodesFile;
  private final Path fenceFile;
  private String fenceBase;
  private final String cache;
  private final String key;
  private final Writer log;
  private final Path stopFile;
  private final long ttlMillis;
  private final long waitMillis;
  private final int writes;
  private final long dwellMillis;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicInteger turn = new AtomicInteger();
  /** The session in use; 0 when there is none (never opened, or lost). */
  private volatile long session;

  private LockClientMain(String[] a) throws IOException {
    name = a[0];
    nodesFile = Path.of(a[1]);
    fenceFile = Path.of(a[2]);
    cache = a[3];
    key = a[4];
    log = Files.newBufferedWriter(Path.of(a[5]), UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    stopFile = Path.of(a[6]);
    ttlMillis = Long.parseLong(a[7]);
    waitMillis = Long.parseLong(a[8]);
    writes = Integer.parseInt(a[9]);
    dwellMillis = Long.parseLong(a[10]);
  }

  public static void main(String[] args) throws Exception {
    new LockClientMain(args).run();
  }

  private void run() throws Exception {
    while (!Files.exists(fenceFile)) { // the test writes it once the cache exists
      Thread.sleep(20);
    }
    fenceBase = Files.readString(fenceFile, UTF_8).strip();
    Thread keepalive = new Thread(this::keepAlive, "keepalive");
    keepalive.setDaemon(true);
    keepalive.start();
    while (!Files.exists(stopFile)) {
      if (session == 0 && !openSession()) {
        Thread.sleep(100);
        continue;
      }
      long s = session;
      long[] grant = acquire(s);
      if (grant != null) {
        holdAndRelease(s, grant[0]);
      }
    }
    long s = session;
    if (s != 0) {
      try { // best effort: a session left open ends with its TTL
        send(HttpRequest.newBuilder(uri(nextNode(), "/v1/sessions/" + s)).DELETE());
      } catch (IOException ignored) {
        // the TTL ends it
      }
    }
    log.close();
    System.exit(0);
  }

  private boolean openSession() throws InterruptedException {
    long start = now();
    try {
      HttpResponse<String> r = send(post(nextNode(), "/v1/sessions", new JsonObject().put("ttlMillis", ttlMillis)));
      if (r.statusCode() == 201) {
        session = new JsonObject(r.body()).getLong("id");
        log("SESSION " + session + " " + start + " " + now());
        return true;
      }
    } catch (IOException e) {
      // another node next time; a session opened unknowingly ends with its TTL
    }
    return false;
  }

  /**
   * Renews the session every quarter TTL; a 404 means it is over. A renewal that takes longer than
   * the TTL is given up (the next one follows at once).
   */
  private void keepAlive() {
    while (true) {
      try {
        Thread.sleep(ttlMillis / 4);
        long s = session;
        if (s == 0) {
          continue;
        }
        long start = now();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(nextNode(), "/v1/sessions/" + s + "/keepalive"))
            .POST(HttpRequest.BodyPublishers.noBody()), Duration.ofMillis(ttlMillis));
        if (r.statusCode() == 200) {
          log("RENEWED " + s + " " + start + " " + now());
        } else if (r.statusCode() == 404) {
          lost(s);
        }
      } catch (IOException e) {
        // another node next time
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void lost(long s) {
    synchronized (this) {
      if (session != s) {
        return;
      }
      session = 0;
    }
    log("LOST " + s + " " + now());
  }

  /** Acquires the lock for {@code s}, waiting in line: {token, count}, or null when not granted. */
  private long[] acquire(long s) throws InterruptedException {
    String node = nextNode();
    long start = now();
    HttpResponse<String> r;
    try {
      r = send(post(node, "/v1/locks/" + LOCK, new JsonObject().put("session", s).put("waitMillis", waitMillis)),
          TIMEOUT.plusMillis(waitMillis));
    } catch (ConnectException e) {
      log("ACQUIRE refused-connection " + s + " " + start + " " + now()); // never sent: a dead node
      return null;
    } catch (IOException e) {
      return resolve(s, start, "IO");
    }
    if (r.statusCode() != 200 && r.statusCode() < 500) {
      log("ACQUIRE " + r.statusCode() + " " + s + " " + start + " " + now());
    }
    switch (r.statusCode()) {
      case 200 -> {
        JsonObject grant = new JsonObject(r.body());
        long token = grant.getLong("token");
        long count = grant.getLong("count");
        log("ENTER " + token + " " + s + " " + count + " " + start + " " + now() + " 200");
        return new long[] {token, count};
      }
      case 409 -> {
        return null;
      }
      case 404 -> {
        lost(s);
        return null;
      }
      case 503 -> {
        log("ACQUIRE 503 " + s + " " + start + " " + now());
        Thread.sleep(100);
        return null;
      }
      default -> {
        return resolve(s, start, Integer.toString(r.statusCode()));
      }
    }
  }

  /** After an acquire of unknown outcome: whether {@code s} holds the lock, from a linearizable read. */
  private long[] resolve(long s, long start, String how) throws InterruptedException {
    for (int attempt = 0; attempt < 20 && !Files.exists(stopFile); attempt++) {
      try {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(nextNode(), "/v1/locks/" + LOCK)).GET());
        if (r.statusCode() == 200) {
          JsonObject holder = new JsonObject(r.body()).getJsonObject("holder");
          if (holder == null || holder.getLong("session") != s) {
            log("ACQUIRE unknown-" + how + " " + s + " " + start + " " + now());
            return null;
          }
          long token = holder.getLong("token");
          long count = holder.getLong("count");
          log("ENTER " + token + " " + s + " " + count + " " + start + " " + now() + " resolved-" + how);
          return new long[] {token, count};
        }
      } catch (IOException e) {
        // another node
      }
      Thread.sleep(100);
    }
    log("ACQUIRE unresolved-" + how + " " + s + " " + start + " " + now());
    return null;
  }

  /** The critical section: {@link #writes} fenced writes with {@code token}, then the release of every hold. */
  private void holdAndRelease(long s, long token) throws InterruptedException {
    for (int i = 1; i <= writes; i++) {
      if (dwellMillis > 0) {
        Thread.sleep(dwellMillis);
      }
      fencedWrite(token, i);
    }
    for (int attempt = 0; attempt < 20; attempt++) {
      long start = now();
      HttpResponse<String> r;
      try {
        r = send(HttpRequest.newBuilder(uri(nextNode(), "/v1/locks/" + LOCK + "?session=" + s + "&token=" + token))
            .DELETE());
      } catch (IOException e) {
        log("RELEASE " + token + " IO " + start + " " + now() + " -1");
        if (!stillHolds(s, token)) {
          return;
        }
        continue;
      }
      long remaining = r.statusCode() == 200 ? new JsonObject(r.body()).getLong("remainingCount") : -1;
      log("RELEASE " + token + " " + r.statusCode() + " " + start + " " + now() + " " + remaining);
      if (r.statusCode() == 404) {
        lost(s);
        return;
      }
      if (r.statusCode() == 409 || remaining == 0) {
        return;
      }
      if (r.statusCode() != 200 && !stillHolds(s, token)) {
        return;
      }
    }
  }

  private boolean stillHolds(long s, long token) throws InterruptedException {
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(nextNode(), "/v1/locks/" + LOCK)).GET());
        if (r.statusCode() == 200) {
          JsonObject holder = new JsonObject(r.body()).getJsonObject("holder");
          return holder != null && holder.getLong("session") == s && holder.getLong("token") == token;
        }
      } catch (IOException e) {
        // another node
      }
      Thread.sleep(100);
    }
    return false;
  }

  private void fencedWrite(long token, int i) {
    String value = name + ":" + token + ":" + i;
    long start = now();
    String status;
    String detail = value;
    try {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(fenceBase + "/v1/caches/" + cache + "/entries/" + key))
          .header("Content-Type", "text/plain")
          .header("Cairn-Fence", "lock=" + LOCK)
          .header("Cairn-Fencing-Token", Long.toString(token))
          .PUT(HttpRequest.BodyPublishers.ofString(value)));
      status = Integer.toString(r.statusCode());
      if (r.statusCode() >= 300) {
        detail = problemType(r.body());
      }
    } catch (IOException e) {
      status = "IO";
    }
    log("WRITE " + token + " " + i + " " + status + " " + start + " " + now() + " " + detail);
  }

  private static String problemType(String body) {
    try {
      String type = new JsonObject(body).getString("type", "-");
      return type.substring(type.lastIndexOf('/') + 1);
    } catch (RuntimeException e) {
      return "-";
    }
  }

  // ---- plumbing

  private String nextNode() {
    List<String> nodes;
    try {
      nodes = Files.readAllLines(nodesFile, UTF_8).stream().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return nodes.get(Math.floorMod(turn.getAndIncrement(), nodes.size()));
  }

  private static URI uri(String base, String path) {
    return URI.create(base + path);
  }

  private static HttpRequest.Builder post(String base, String path, JsonObject body) {
    return HttpRequest.newBuilder(uri(base, path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    return send(request, TIMEOUT);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, Duration timeout) throws IOException {
    try {
      return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private synchronized void log(String line) {
    try {
      log.write(line);
      log.write('\n');
      log.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Microseconds since the epoch, on the wall clock that every process of the test shares. */
  static long now() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
  }
}
