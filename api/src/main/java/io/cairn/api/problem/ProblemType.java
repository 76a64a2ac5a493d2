package io.cairn.api.problem;

/**
 * The stable problem types of openapi.yaml's {@code Problem} schema, one per kind of error. A test
 * keeps this list and the contract's {@code type} enum equal.
 */
public enum ProblemType {
  INVALID_REQUEST(400, "invalid-request", "The request does not match the API description"),
  INVALID_KEY(400, "invalid-key", "The entry key is invalid"),
  NOT_FOUND(404, "not-found", "No such path"),
  CACHE_NOT_FOUND(404, "cache-not-found", "No such cache"),
  ENTRY_NOT_FOUND(404, "entry-not-found", "No such entry"),
  NO_SUCH_MEMBER(404, "no-such-member", "No such member"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "The path does not take that method"),
  CACHE_CONFLICT(409, "cache-conflict", "The change cannot be made to the cache as it is"),
  PRECONDITION_FAILED(412, "precondition-failed", "A precondition does not hold"),
  VALUE_TOO_LARGE(413, "value-too-large", "The entry value is too large"),
  PAYLOAD_TOO_LARGE(413, "payload-too-large", "The request body is too large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The body's media type is not one the operation takes"),
  INTERNAL_ERROR(500, "internal-error", "Internal error"),
  STORE_UNAVAILABLE(503, "store-unavailable", "The backing store is unavailable"),
  REGISTER_NOT_FOUND(404, "register-not-found", "No such register"),
  COUNTER_OVERFLOW(409, "counter-overflow", "The counter would overflow"),
  COORDINATION_UNAVAILABLE(503, "coordination-unavailable", "The coordination group has no reachable leader"),
  OUTCOME_UNKNOWN(504, "outcome-unknown", "Whether the change was applied is unknown"),
  SESSION_NOT_FOUND(404, "session-not-found", "No such live session"),
  LOCK_BUSY(409, "lock-busy", "The lock was not acquired"),
  NOT_LOCK_HOLDER(409, "not-lock-holder", "The session does not hold the lock with that token"),
  NOT_ELECTION_LEADER(409, "not-election-leader", "The session does not lead the election with that token"),
  NOT_ELECTION_CANDIDATE(409, "not-election-candidate", "The session is not a candidate in line"),
  NO_PERMITS(409, "no-permits", "The permits were not granted"),
  PERMITS_NOT_HELD(409, "permits-not-held", "The session does not hold that many permits"),
  STALE_FENCING_TOKEN(409, "stale-fencing-token", "The fencing token is not current"),
  MINORITY_PARTITION(503, "minority-partition",
      "The partition's owner is cut off from the coordination group and serves nothing"),
  PARTITION_UNAVAILABLE(503, "partition-unavailable", "No node serves the key's partition now");

  /** Every problem type URI starts with this. */
  public static final String BASE_URI = "https://cairn.io/problems/";

  private final int status;
  private final String uri;
  private final String title;

  ProblemType(int status, String slug, String title) {
    this.status = status;
    this.uri = BASE_URI + slug;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String uri() {
    return uri;
  }

  public String title() {
    return title;
  }
}
