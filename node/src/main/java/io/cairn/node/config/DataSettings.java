package io.cairn.node.config;

import java.nio.file.Path;

/**
 * Where this node keeps its files.
 *
 * @param dir cache definitions and, without {@code store.url}, the embedded SQLite store; a
 *     relative path is resolved against the working directory
 */
public record DataSettings(Path dir) {
  public DataSettings {
    Check.that(dir != null && !dir.toString().isBlank(), "data.dir", "must not be empty");
    dir = dir.normalize(); // ./data and data are one directory
  }
}
