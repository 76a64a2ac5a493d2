package io.cairn.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The cache definitions file, {@code <dataDir>/caches.json}:
 *
 * <pre>{@code
 * {"format": 1, "caches": [
 *   {"name": "users", "createdAt": "2025-11-25T04:31:12.154Z",
 *    "maxEntries": 10000, "defaultTtlMillis": 60000, "store": "jdbc"}]}
 * }</pre>
 *
 * <p>It is replaced atomically: the new content goes to a temporary file in the same directory,
 * which is fsynced, renamed over the old one, and the directory is fsynced so that the rename
 * itself is durable. A crash leaves either the old file or the new one. Blocking: call it on a
 * worker thread only.
 */
final class DefinitionFile {
  static final String FILE_NAME = "caches.json";
  private static final String TEMP_NAME = "caches.json.tmp";
  private static final int FORMAT = 1;

  private final Path dir;
  private final Path file;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  DefinitionFile(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
  }

  Path path() {
    return file;
  }

  /** The definitions in the file; none when it does not exist. */
  List<CacheDefinition> read() throws IOException {
    requireWorkerThread();
    Files.deleteIfExists(dir.resolve(TEMP_NAME));
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      JsonNode root = json.readTree(file.toFile());
      if (root == null || root.path("format").asInt(-1) != FORMAT || !root.path("caches").isArray()) {
        throw new IOException("not a cache definitions file of format " + FORMAT);
      }
      List<CacheDefinition> definitions = new ArrayList<>();
      for (JsonNode node : root.path("caches")) {
        definitions.add(parse(node));
      }
      return definitions;
    } catch (IOException e) {
      throw new IOException("cannot load cache definitions from " + file + ": " + e.getMessage(), e);
    }
  }

  /** Replaces the file with these definitions, durably. */
  void write(Collection<CacheDefinition> definitions) throws IOException {
    requireWorkerThread();
    ObjectNode root = json.createObjectNode();
    root.put("format", FORMAT);
    ArrayNode caches = root.putArray("caches");
    definitions.stream()
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(d -> caches.add(render(d)));
    byte[] bytes = json.writeValueAsBytes(root);

    Files.createDirectories(dir);
    Path temp = dir.resolve(TEMP_NAME);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot replace " + file + " atomically", e);
    }
    fsyncDirectory();
  }

  private void fsyncDirectory() throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there the rename is as durable as it gets.
      if (System.getProperty("os.name", "").startsWith("Windows")) {
        return;
      }
      throw e;
    }
  }

  private ObjectNode render(CacheDefinition d) {
    ObjectNode node = json.createObjectNode();
    node.put("name", d.name());
    node.put("createdAt", d.createdAt().toString());
    CacheSpec.Capacity capacity = d.spec().capacity();
    node.put(capacity.unit() == CacheSpec.Capacity.Unit.ENTRIES ? "maxEntries" : "maxBytes", capacity.maximum());
    if (d.spec().defaultTtl() != null) {
      node.put("defaultTtlMillis", d.spec().defaultTtl().toMillis());
    }
    node.put("store", d.spec().store().wireName());
    return node;
  }

  private CacheDefinition parse(JsonNode node) throws IOException {
    try {
      String name = node.path("name").asText(null);
      if (!Keys.isValidCacheName(name)) {
        throw new IOException("invalid cache name " + node.path("name"));
      }
      CacheSpec.Capacity capacity = node.has("maxBytes")
          ? CacheSpec.Capacity.bytes(node.get("maxBytes").asLong())
          : CacheSpec.Capacity.entries(node.path("maxEntries").asLong(CacheSpec.DEFAULT_MAX_ENTRIES));
      Duration ttl = node.hasNonNull("defaultTtlMillis")
          ? Duration.ofMillis(node.get("defaultTtlMillis").asLong()) : null;
      CacheSpec.StoreKind store = CacheSpec.StoreKind.fromWire(node.path("store").asText("jdbc"));
      Instant createdAt = Instant.parse(node.path("createdAt").asText());
      return new CacheDefinition(name, new CacheSpec(capacity, ttl, store), createdAt);
    } catch (CacheFailure | DateTimeParseException e) {
      throw new IOException("invalid cache definition " + node + ": " + e.getMessage(), e);
    }
  }

  private static void requireWorkerThread() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("file I/O must not run on an event loop");
    }
  }
}
