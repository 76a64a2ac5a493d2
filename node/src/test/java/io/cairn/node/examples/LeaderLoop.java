package io.cairn.node.examples;

import io.cairn.client.ApiClient;
import io.cairn.client.ApiException;
import io.cairn.client.api.LocksApi;
import io.cairn.client.api.SessionsApi;
import io.cairn.client.model.LockAcquire;
import io.cairn.client.model.LockGrant;
import io.cairn.client.model.SessionCreate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The README's "A Java client loop": a process that does a job only while it holds a lock, with
 * the client generated from openapi.yaml. The README shows the part between the markers;
 * DocumentationTest checks that it is this code, and GeneratedClientSystemIT runs it.
 */
public final class LeaderLoop {
  /** The work done while holding the lock; it passes the token along with every write. */
  public interface Job {
    /** Works while {@code stillHeld} is true; returns when done or when it turns false. */
    void run(long token, java.util.function.BooleanSupplier stillHeld) throws Exception;
  }

  private LeaderLoop() {}

  // begin README
  /** Takes the lock, runs the job while the session surely lives, and returns when the job is done. */
  public static void runOnce(ApiClient client, String lock, long ttlMillis, Job job) throws Exception {
    SessionsApi sessions = new SessionsApi(client);
    LocksApi locks = new LocksApi(client);
    long sent = System.nanoTime(); // when the last acknowledged keepalive was sent
    long session = sessions.createSession(new SessionCreate().ttlMillis(ttlMillis)).getId();
    AtomicLong lastAcknowledged = new AtomicLong(sent);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    timer.scheduleAtFixedRate(() -> {
      long at = System.nanoTime();
      try {
        sessions.keepAliveSession(session);
        lastAcknowledged.set(at);
      } catch (ApiException e) {
        // 404: the session is over. Anything else: keep trying until the TTL runs out.
      }
    }, ttlMillis / 3, ttlMillis / 3, TimeUnit.MILLISECONDS);
    try {
      LockGrant grant = locks.acquireLock(lock, new LockAcquire().session(session).waitMillis(30_000L));
      // Held only while less than the TTL has passed since the last acknowledged keepalive was sent.
      job.run(grant.getToken(),
          () -> System.nanoTime() - lastAcknowledged.get() < TimeUnit.MILLISECONDS.toNanos(ttlMillis));
      locks.releaseLock(lock, session, grant.getToken());
    } finally {
      timer.shutdownNow();
      try {
        sessions.closeSession(session);
      } catch (ApiException e) {
        // already over
      }
    }
  }
  // end README
}
