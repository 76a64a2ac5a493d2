package io.cairn.cache;

/** The one failure type of the cache module. The API maps each reason to a problem type. */
public final class CacheFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    NO_SUCH_CACHE,
    NO_SUCH_ENTRY,
    /** An If-Match or If-None-Match condition does not hold. */
    PRECONDITION_FAILED,
    INVALID_KEY,
    INVALID_SPEC,
    /** A change of a cache that cannot be made on a live cache (its store). */
    SPEC_CONFLICT,
    VALUE_TOO_LARGE,
    /** The backing store failed, timed out, or its circuit breaker is open. */
    STORE_UNAVAILABLE
  }

  private final Reason reason;

  private CacheFailure(Reason reason, String message, Throwable cause) {
    super(message, cause, false, cause != null);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public static CacheFailure noSuchCache(String cache) {
    return new CacheFailure(Reason.NO_SUCH_CACHE, "no cache named '" + cache + "'", null);
  }

  public static CacheFailure noSuchEntry(String cache, String key) {
    return new CacheFailure(Reason.NO_SUCH_ENTRY, "no entry '" + key + "' in cache '" + cache + "'", null);
  }

  public static CacheFailure preconditionFailed(String cache, String key, Precondition pre, Entry current) {
    String now = current == null ? "absent" : "at version " + current.version();
    String want = pre.ifMatch() == null ? "to be absent"
        : Precondition.ANY.equals(pre.ifMatch()) ? "to exist" : "at one of versions " + pre.ifMatch();
    return new CacheFailure(Reason.PRECONDITION_FAILED,
        "entry '" + key + "' in cache '" + cache + "' is " + now + ", the request expected it " + want, null);
  }

  public static CacheFailure invalidKey(String message) {
    return new CacheFailure(Reason.INVALID_KEY, message, null);
  }

  public static CacheFailure invalidSpec(String message) {
    return new CacheFailure(Reason.INVALID_SPEC, message, null);
  }

  public static CacheFailure specConflict(String message) {
    return new CacheFailure(Reason.SPEC_CONFLICT, message, null);
  }

  public static CacheFailure valueTooLarge(long size, long limit) {
    return new CacheFailure(Reason.VALUE_TOO_LARGE,
        "value is " + size + " bytes, the limit is " + limit + " bytes", null);
  }

  public static CacheFailure storeUnavailable(String message, Throwable cause) {
    return new CacheFailure(Reason.STORE_UNAVAILABLE, message, cause);
  }
}
