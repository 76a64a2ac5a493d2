package io.cairn.node.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * helm/cairn rendered and linted by the real Helm (helm-java's bundled native library), and the
 * rendered manifests parsed as YAML.
 */
final class Chart {
  static final Path ROOT = Path.of(System.getProperty("cairn.root", "..")).toAbsolutePath().normalize();
  static final Path DIR = ROOT.resolve("helm/cairn");
  static final String RELEASE = "web";
  static final String NAMESPACE = "shop";
  /** The full name for release "web": web-cairn. */
  static final String FULLNAME = RELEASE + "-cairn";
  static final String HEADLESS = FULLNAME + "-headless";

  /** A non-default install: 5 members, TLS, ServiceMonitor and NetworkPolicy on. */
  static final Map<String, Object> NON_DEFAULT = Map.of(
      "replicaCount", 5,
      "tls.enabled", true,
      "tls.secretName", "cairn-tls",
      "serviceMonitor.enabled", true,
      "networkPolicy.enabled", true);

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Chart() {}

  /** helm template with --set for each entry; throws with Helm's message when Helm refuses. */
  static Rendered template(Map<String, Object> set) {
    TemplateCommand command = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
    set.forEach(command::set);
    return new Rendered(parse(command.call()));
  }

  static Rendered template() {
    return template(Map.of());
  }

  /** helm lint --strict with the chart's own values. */
  static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  /**
   * helm lint --strict with other values: helm-java's lint takes no values, so a copy of the
   * chart whose values.yaml has the overrides applied (dotted paths, as --set) is linted.
   */
  static LintResult lint(Path work, Map<String, Object> set) {
    try {
      Path copy = work.resolve("cairn");
      try (Stream<Path> files = Files.walk(DIR)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Path target = copy.resolve(DIR.relativize(f).toString());
          if (Files.isDirectory(f)) {
            Files.createDirectories(target);
          } else {
            Files.copy(f, target);
          }
        }
      }
      ObjectNode values = (ObjectNode) YAML.readTree(DIR.resolve("values.yaml").toFile());
      set.forEach((path, value) -> {
        String[] parts = path.split("\\.");
        ObjectNode node = values;
        for (int i = 0; i < parts.length - 1; i++) {
          node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
        }
        node.set(parts[parts.length - 1], YAML.valueToTree(value));
      });
      YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonNode> parse(String manifests) {
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(manifests)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && doc.isObject() && doc.has("kind")) {
          docs.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  /** The manifests of one render. */
  record Rendered(List<JsonNode> docs) {
    List<JsonNode> all(String kind) {
      return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    JsonNode one(String kind, String name) {
      List<JsonNode> found = docs.stream()
          .filter(d -> d.path("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name)).toList();
      assertThat(found).as("%s %s", kind, name).hasSize(1);
      return found.get(0);
    }

    JsonNode statefulSet() {
      return one("StatefulSet", FULLNAME);
    }

    JsonNode podSpec() {
      return statefulSet().at("/spec/template/spec");
    }

    JsonNode node() {
      for (JsonNode c : podSpec().path("containers")) {
        if (c.path("name").asText().equals("cairn")) {
          return c;
        }
      }
      throw new AssertionError("no container named cairn");
    }

    /** The node container's env entries by name, in order. */
    Map<String, JsonNode> env() {
      Map<String, JsonNode> env = new LinkedHashMap<>();
      for (JsonNode e : node().path("env")) {
        assertThat(env.put(e.path("name").asText(), e)).as("env %s twice", e.path("name").asText()).isNull();
      }
      return env;
    }

    String envValue(String name) {
      JsonNode e = env().get(name);
      assertThat(e).as("env %s", name).isNotNull();
      return e.path("value").asText();
    }

    /** Every container, init containers too. */
    List<JsonNode> containers() {
      List<JsonNode> all = new ArrayList<>();
      podSpec().path("initContainers").forEach(all::add);
      podSpec().path("containers").forEach(all::add);
      return all;
    }
  }
}
