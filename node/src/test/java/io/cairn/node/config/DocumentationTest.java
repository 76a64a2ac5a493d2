package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The sample cairn.yaml and the README say what the code does. */
class DocumentationTest {
  private static final Path ROOT = Path.of(System.getProperty("cairn.root", "..")).toAbsolutePath().normalize();

  /** The README's Java client loop is the code of LeaderLoop, which the tests compile and run. */
  @Test
  void theReadmesJavaLoopIsTheCodeTheTestsRun() throws IOException {
    String source = Files.readString(ROOT.resolve("node/src/test/java/io/cairn/node/examples/LeaderLoop.java"));
    String marked = source.split("  // begin README\n", 2)[1].split("  // end README\n", 2)[0];
    String dedented = marked.lines().map(l -> l.startsWith("  ") ? l.substring(2) : l)
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    assertThat(Files.readString(ROOT.resolve("README.md"))).contains("```java\n" + dedented + "```\n");
  }

  @Test
  void theSampleFileIsExactlyTheDefaults() {
    Path sample = ROOT.resolve("cairn.yaml");
    CairnConfig loaded = ConfigLoader.load(List.of("--config", sample.toString()), Map.of(), () -> "h").config();
    assertThat(loaded).isEqualTo(ConfigLoader.defaults(() -> "h"));
  }

  @Test
  void theSampleFileListsEveryKey() throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("cairn.yaml").toFile());
    Set<String> keys = new TreeSet<>();
    collect(root, "", keys);
    assertThat(keys).containsExactlyInAnyOrderElementsOf(ConfigKey.ALL.stream().map(ConfigKey::name).toList());
  }

  private static void collect(JsonNode node, String prefix, Set<String> keys) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
      if (f.getValue().isObject()) {
        collect(f.getValue(), key, keys);
      } else {
        keys.add(key);
      }
    }
  }

  @Test
  void theReadmeDocumentsEveryKeyWithItsVariableAndFlag() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    for (ConfigKey k : ConfigKey.ALL) {
      assertThat(readme).contains("| `" + k.name() + "` | `" + k.env() + "` | `" + k.flag() + "` |");
    }
  }

  @Test
  void theReadmeCommandsAreTheOnesCiRuns() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    assertThat(readme).contains("./mvnw -B -q package -DskipTests && java -jar node/target/cairn.jar");
    assertThat(readme).contains("```sh\n./mvnw -B verify\n```");
    assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("set -euo pipefail").contains("exec ./mvnw -B verify\n");
    assertThat(Files.isExecutable(ROOT.resolve(".ci/run"))).isTrue();
  }
}
