package io.cairn.node.config;

import java.time.Duration;

/**
 * How the node stops on SIGTERM.
 *
 * @param grace how long in-flight requests may take to finish once the node stops accepting
 *     connections: longer loses fewer requests, shorter stops (and restarts) faster; keep it
 *     below the orchestrator's kill timeout (Kubernetes: terminationGracePeriodSeconds, 30s)
 */
public record ShutdownSettings(Duration grace) {
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
  public static final Duration MAX_GRACE = Duration.ofHours(1);

  public ShutdownSettings {
    Check.that(grace != null && !grace.isNegative() && grace.compareTo(MAX_GRACE) <= 0, "shutdown.grace",
        "must be from 0s to 1h, got " + (grace == null ? "nothing" : Values.formatDuration(grace)));
  }
}
