package tech.openrtc.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every YAML document of every *.yaml / *.yml file below some folders of the repository. */
public final class YamlDocuments {

  /** One document: its file, its position in the file (from 0) and its content. */
  public record Doc(Path file, int index, JsonNode node) {
    public String kind() {
      return node.path("kind").asText();
    }

    public String name() {
      return node.path("metadata").path("name").asText();
    }

    public String namespace() {
      return node.path("metadata").path("namespace").asText();
    }

    @Override
    public String toString() {
      return file + "#" + index + " " + kind() + "/" + name();
    }
  }

  private static final YAMLMapper YAML = new YAMLMapper();

  private YamlDocuments() {}

  public static List<Doc> below(String... roots) {
    List<Doc> docs = new ArrayList<>();
    for (String root : roots) {
      for (Path file : yamlFiles(Path.of(root))) {
        docs.addAll(parse(file));
      }
    }
    return docs;
  }

  public static List<Doc> parse(Path file) {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      List<Doc> docs = new ArrayList<>();
      // An empty document (a trailing `---`) reads as null or a missing node; it holds nothing.
      for (JsonNode node : it.readAll()) {
        if (node != null && !node.isMissingNode() && !node.isNull()) {
          docs.add(new Doc(file, docs.size(), node));
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse " + file, e);
    }
  }

  private static List<Path> yamlFiles(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }
}
