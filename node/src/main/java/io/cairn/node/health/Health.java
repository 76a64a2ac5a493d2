package io.cairn.node.health;

import io.cairn.cache.CacheService;
import io.cairn.membership.Member;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.Membership;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What {@code /health/ready} reports: whether the node has finished starting and not begun to
 * stop (the {@code lifecycle} check), whether the backing store answers (the {@code store}
 * check), whether the node has joined its cluster (the {@code membership} check), and whether it
 * serves its part of the cluster's caches (the {@code caches} check).
 * Thread-safe: the node writes it, every HTTP event loop reads it.
 */
public final class Health {

  /** Where the node is in its life. */
  public enum Phase { STARTING, STARTED, STOPPING }

  /** One check: its name, whether it passes, and a word for a person. */
  public record Check(String name, boolean up, String detail) {
    JsonObject toJson() {
      JsonObject o = new JsonObject().put("name", name).put("status", up ? "UP" : "DOWN");
      return detail == null ? o : o.put("detail", detail);
    }
  }

  /** Every check; the node is ready when all pass. */
  public record Report(List<Check> checks) {
    public boolean up() {
      return checks.stream().allMatch(Check::up);
    }

    public JsonObject toJson() {
      JsonArray list = new JsonArray();
      checks.forEach(c -> list.add(c.toJson()));
      return new JsonObject().put("status", up() ? "UP" : "DOWN").put("checks", list);
    }
  }

  private volatile Phase phase = Phase.STARTING;
  private volatile Supplier<CacheService.StoreStatus> store;
  private volatile Membership membership;
  private volatile String seeds = "";
  private volatile java.util.function.BooleanSupplier caches;

  /** The node serves: every step of its start succeeded. */
  public void started() {
    if (phase == Phase.STARTING) {
      phase = Phase.STARTED;
    }
  }

  /** Shutdown began: from now on the node is never ready again. */
  public void stopping() {
    phase = Phase.STOPPING;
  }

  public Phase phase() {
    return phase;
  }

  /** Where the store's state comes from, once the cache service runs. */
  public void store(Supplier<CacheService.StoreStatus> status) {
    this.store = status;
  }

  /**
   * Where the membership's state comes from, once it runs.
   *
   * @param seeds how it finds its group, for the detail while it has not joined
   */
  public void membership(Membership membership, String seeds) {
    this.seeds = seeds;
    this.membership = membership;
  }

  /** Whether this node serves its part of the cluster's caches, once they run. */
  public void caches(java.util.function.BooleanSupplier serving) {
    this.caches = serving;
  }

  /** The readiness checks, evaluated now. */
  public Report readiness() {
    List<Check> checks = new ArrayList<>(4);
    Phase p = phase;
    checks.add(new Check("lifecycle", p == Phase.STARTED, p.name().toLowerCase(java.util.Locale.ROOT)));
    checks.add(storeCheck());
    checks.add(membershipCheck());
    checks.add(cachesCheck());
    return new Report(List.copyOf(checks));
  }

  private Check cachesCheck() {
    java.util.function.BooleanSupplier c = caches;
    if (c == null) {
      return new Check("caches", false, "the cluster's caches have not started");
    }
    return c.getAsBoolean()
        ? new Check("caches", true, "joined the cluster's caches, with a valid ownership lease")
        : new Check("caches", false, "not serving: the coordination group has not formed, this node has not joined"
            + " its caches yet, or its ownership lease is not valid");
  }

  private Check membershipCheck() {
    Membership m = membership;
    if (m == null) {
      return new Check("membership", false, "the membership has not started");
    }
    try {
      if (!m.joined()) {
        return new Check("membership", false, "not joined: no member answered yet (" + seeds + ")");
      }
      List<Member> members = m.members();
      long alive = members.stream().filter(x -> x.status() == MemberStatus.ALIVE).count();
      return new Check("membership", true, "joined: " + alive + " of " + members.size() + " members alive");
    } catch (RuntimeException e) {
      return new Check("membership", false, "status unknown: " + e);
    }
  }

  private Check storeCheck() {
    Supplier<CacheService.StoreStatus> s = store;
    if (s == null) {
      return new Check("store", false, "the cache service has not started");
    }
    try {
      CacheService.StoreStatus status = s.get();
      String detail = status.detail() == null ? status.state() : status.state() + ": " + status.detail();
      return new Check("store", status.ready(), detail);
    } catch (RuntimeException e) {
      return new Check("store", false, "status unknown: " + e);
    }
  }
}
