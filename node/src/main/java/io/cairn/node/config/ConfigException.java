package io.cairn.node.config;

/**
 * A configuration value that cannot be used. Its message is one line: the key, the problem and,
 * when known, where the value came from, e.g. {@code http.port: must be an integer from 0 to
 * 65535, got "70x0" (from CAIRN_HTTP_PORT)}.
 *
 * <p>It carries no stack trace: it is reported to a person, not debugged.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String problem;
  private final String source;

  public ConfigException(String key, String problem) {
    this(key, problem, null);
  }

  public ConfigException(String key, String problem, String source) {
    super(null, null, false, false);
    this.key = key;
    this.problem = oneLine(problem);
    this.source = source;
  }

  /** The configuration key, flag or variable the problem is about. */
  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }

  /** Where the value came from ({@code CAIRN_HTTP_PORT}, {@code --http.port}, a file), or null. */
  public String source() {
    return source;
  }

  /** This problem, attributed to {@code source} unless it already names one. */
  public ConfigException from(String source) {
    return this.source != null || source == null ? this : new ConfigException(key, problem, source);
  }

  @Override
  public String getMessage() {
    return key + ": " + problem + (source == null ? "" : " (from " + source + ")");
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
