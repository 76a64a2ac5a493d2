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
    STORE_UNAVAILABLE,
    /**
     * The partition's owner is cut off from the coordination group (its ownership lease is not
     * valid), so it serves nothing: a minority side of a network partition. Nothing was done.
     */
    MINORITY_PARTITION,
    /** No node serves the partition now (an owner failed and another is taking over). Nothing was done. */
    PARTITION_UNAVAILABLE,
    /** The write reached its owner, but its outcome is unknown: it may or may not have been applied. */
    OUTCOME_UNKNOWN,
    /** A fenced write whose token is not current: a newer one was seen, or the lock passed on. */
    STALE_FENCING_TOKEN
  }

  private final Reason reason;
  private final long highestToken;

  private CacheFailure(Reason reason, String message, Throwable cause) {
    this(reason, message, cause, 0);
  }

  private CacheFailure(Reason reason, String message, Throwable cause, long highestToken) {
    super(message, cause, false, cause != null);
    this.reason = reason;
    this.highestToken = highestToken;
  }

  public Reason reason() {
    return reason;
  }

  /** For {@code STALE_FENCING_TOKEN}: the greatest token the owner has seen for the fence; else 0. */
  public long highestToken() {
    return highestToken;
  }

  public static CacheFailure staleFencingToken(String message, long highestToken) {
    return new CacheFailure(Reason.STALE_FENCING_TOKEN, message, null, highestToken);
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

  public static CacheFailure minorityPartition(String message) {
    return new CacheFailure(Reason.MINORITY_PARTITION, message, null);
  }

  public static CacheFailure partitionUnavailable(String message) {
    return new CacheFailure(Reason.PARTITION_UNAVAILABLE, message, null);
  }

  public static CacheFailure outcomeUnknown(String message) {
    return new CacheFailure(Reason.OUTCOME_UNKNOWN, message, null);
  }

  /** A failure of another node, as it reported it (the cluster's wire carries what it said). */
  public static CacheFailure of(Reason reason, String message, long highestToken) {
    return new CacheFailure(reason, message, null, highestToken);
  }
}
