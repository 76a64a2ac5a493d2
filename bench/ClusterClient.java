import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The HTTP client of the cluster benchmarks (bench/cluster-join.sh, bench/cluster-failover.sh),
 * run as a single-file program: {@code java bench/ClusterClient.java MODE ...} (JDK 17, no
 * dependencies but the JDK; the partition mode needs {@code -cp node/target/cairn.jar}).
 *
 * <ul>
 *   <li>{@code load URLS CACHE ENTRIES VALUE_BYTES IN_FLIGHT}: writes keys k0..k(ENTRIES-1) once
 *       each, key i through URL i mod n, at most IN_FLIGHT requests at once; prints the count of
 *       2xx answers, failures and the rate, and exits 1 if any write failed.
 *   <li>{@code steady URLS CACHE ENTRIES VALUE_BYTES CONNECTIONS SECONDS}: a closed loop of
 *       CONNECTIONS clients, client j on URL j mod n, each alternating a GET and a PUT of a random
 *       key of k0..k(ENTRIES-1); prints one line per second: {@code SECOND epoch_ms ok non2xx
 *       errors get_ok put_ok}; runs SECONDS seconds (or until killed).
 *   <li>{@code partition COUNT KEY...}: the partition of each key with Cairn's own {@code
 *       Partitioner} ({@code io.cairn.cache.partition}), one {@code KEY PARTITION} line each.
 * </ul>
 *
 * URLS is a comma list of node base URLs such as {@code http://127.0.0.1:27600}.
 */
public final class ClusterClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "load" -> load(args[1].split(","), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
      case "steady" -> steady(args[1].split(","), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      case "partition" -> partition(Integer.parseInt(args[1]), List.of(args).subList(2, args.length));
      default -> throw new IllegalArgumentException("mode: load, steady or partition");
    }
  }

  private static byte[] value(int bytes) {
    byte[] v = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      v[i] = (byte) ('a' + i % 26);
    }
    return v;
  }

  private static HttpRequest put(String base, String cache, int key, byte[] value) {
    return HttpRequest.newBuilder(URI.create(base + "/v1/caches/" + cache + "/entries/k" + key))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build();
  }

  private static HttpRequest get(String base, String cache, int key) {
    return HttpRequest.newBuilder(URI.create(base + "/v1/caches/" + cache + "/entries/k" + key))
        .timeout(Duration.ofSeconds(30)).GET().build();
  }

  private static void load(String[] urls, String cache, int entries, int valueBytes, int inFlight) throws Exception {
    byte[] value = value(valueBytes);
    Semaphore permits = new Semaphore(inFlight);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<String> someFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    for (int i = 0; i < entries; i++) {
      permits.acquire();
      int key = i;
      HTTP.sendAsync(put(urls[i % urls.length], cache, key, value), HttpResponse.BodyHandlers.discarding())
          .whenComplete((r, t) -> {
            if (t == null && r.statusCode() / 100 == 2) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              if (someFailures.size() < 10) {
                someFailures.add("k" + key + ": " + (t != null ? t : Integer.toString(r.statusCode())));
              }
            }
            permits.release();
          });
      if (i % 50_000 == 0 && i > 0) {
        System.err.printf("loaded %,d in %.1f s%n", i, (System.nanoTime() - start) / 1e9);
      }
    }
    permits.acquire(inFlight);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("LOAD ok=%d failed=%d seconds=%.1f rate=%.0f%n", ok.get(), failed.get(), seconds,
        ok.get() / seconds);
    if (failed.get() > 0) {
      System.out.println("failures such as " + someFailures);
      System.exit(1);
    }
  }

  private static void steady(String[] urls, String cache, int entries, int valueBytes, int connections, int seconds)
      throws Exception {
    byte[] value = value(valueBytes);
    int slots = seconds + 5;
    AtomicLongArray ok = new AtomicLongArray(slots);
    AtomicLongArray non2xx = new AtomicLongArray(slots);
    AtomicLongArray errors = new AtomicLongArray(slots);
    AtomicLongArray getOk = new AtomicLongArray(slots);
    AtomicLongArray putOk = new AtomicLongArray(slots);
    long startMillis = System.currentTimeMillis();
    long start = System.nanoTime();
    for (int j = 0; j < connections; j++) {
      String base = urls[j % urls.length];
      SplittableRandom random = new SplittableRandom(j);
      new Thread(() -> {
        boolean doPut = false;
        while (true) {
          int key = random.nextInt(entries);
          HttpRequest req = doPut ? put(base, cache, key, value) : get(base, cache, key);
          int status;
          try {
            status = HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (Exception e) {
            status = -1;
          }
          int s = (int) ((System.nanoTime() - start) / 1_000_000_000L);
          if (s >= slots) {
            return;
          }
          if (status / 100 == 2) {
            ok.incrementAndGet(s);
            (doPut ? putOk : getOk).incrementAndGet(s);
          } else if (status > 0) {
            non2xx.incrementAndGet(s);
          } else {
            errors.incrementAndGet(s);
          }
          doPut = !doPut;
        }
      }, "client-" + j) {
        { setDaemon(true); }
      }.start();
    }
    for (int s = 0; s < seconds; s++) {
      long wake = start + (s + 1) * 1_000_000_000L;
      while (System.nanoTime() < wake) {
        Thread.sleep(Math.max(1, (wake - System.nanoTime()) / 1_000_000));
      }
      Thread.sleep(50); // let answers of that second land
      System.out.printf("SECOND %d %d %d %d %d %d %d%n", s, startMillis + s * 1000L, ok.get(s), non2xx.get(s),
          errors.get(s), getOk.get(s), putOk.get(s));
      System.out.flush();
    }
    System.exit(0);
  }

  private static void partition(int count, List<String> keys) throws Exception {
    Class<?> c = Class.forName("io.cairn.cache.partition.Partitioner");
    Object p = c.getConstructor(int.class).newInstance(count);
    var of = c.getMethod("partitionOf", String.class);
    for (String k : keys) {
      System.out.println(k + " " + of.invoke(p, k));
    }
  }
}
