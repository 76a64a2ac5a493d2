package io.cairn.api;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.Problems;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses, as {@code invalid-request}, a path the router would misread: one with a malformed
 * percent-escape (Vert.x Web would answer a plain-text 400), and one with a {@code .} or
 * {@code ..} segment, plain or percent-encoded. URL normalization removes such segments before
 * routing, so {@code PUT /v1/caches/c/entries/..} would otherwise reach {@code PUT /v1/caches/c}
 * and reconfigure the cache instead of writing an entry.
 */
final class PathGuard implements Handler<RoutingContext> {
  @Override
  public void handle(RoutingContext rc) {
    String raw = rc.request().path();
    String error = null;
    if (raw == null) {
      error = "the request has no path";
    } else if ((raw.indexOf('.') >= 0 || raw.indexOf('%') >= 0) && hasDotSegment(raw)) {
      error = "must not have a '.' or '..' segment (URL normalization removes them, also percent-encoded)";
    } else {
      try {
        rc.normalizedPath();
      } catch (IllegalArgumentException e) {
        error = "is not a valid percent-encoded path: " + e.getMessage();
      }
    }
    if (error != null) {
      Problems.send(rc, ApiProblem.invalid(ProblemError.PATH, null, "The path " + error));
      return;
    }
    rc.next();
  }

  static boolean hasDotSegment(String path) {
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      if (isDots(path, start, end)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /** Whether path[start, end) is "." or "..", each dot plain or as %2E / %2e. */
  private static boolean isDots(String path, int start, int end) {
    int dots = 0;
    int i = start;
    while (i < end) {
      if (path.charAt(i) == '.') {
        i++;
      } else if (path.startsWith("%2e", i) || path.startsWith("%2E", i)) {
        i += 3;
      } else {
        return false;
      }
      dots++;
    }
    return dots == 1 || dots == 2;
  }
}
