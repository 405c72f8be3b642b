package tech.openrtc.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes docs/api.md, the field reference of the AgentDeployment CRD, from the CRD YAML: every
 * field path with its type, whether it is required, its default, its validation (minimum,
 * maximum, pattern, enum, ...) and description, then the CEL rules. Run by
 * {@code mvn -q -Pupdate-crds process-classes}; ApiDocsUpToDateTest fails when the committed
 * file is stale.
 */
public final class ApiDocs {

  public static final Path CRD = Path.of("crds", "agentdeployments.agents.openrtc.tech-v1.yml");
  public static final Path DOCS = Path.of("docs", "api.md");

  /**
   * Embedded Kubernetes types: listed as one row naming the type, not field by field (the pod
   * template alone is over 3000 lines of schema, documented by Kubernetes itself). Named in plain
   * text, not linked: the repository's Markdown links only to its own files (MarkdownLinksTest).
   */
  private static final Map<String, String> EMBEDDED = Map.of(
      "spec.template", "PodTemplateSpec (core/v1; Kubernetes API reference, "
          + "`kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-template-v1/`)");

  private ApiDocs() {}

  /** {@code ApiDocs [CRD_YAML [OUTPUT_MD]]}; defaults: crds/... and docs/api.md. */
  public static void main(String[] args) throws IOException {
    Path crd = args.length > 0 ? Path.of(args[0]) : CRD;
    Path out = args.length > 1 ? Path.of(args[1]) : DOCS;
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, render(Files.readString(crd)));
  }

  public static String render(String crdYaml) throws IOException {
    JsonNode crd = new YAMLMapper().readTree(crdYaml);
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    StringBuilder md = new StringBuilder();
    md.append("# ").append(names.path("kind").asText()).append(" API reference\n\n")
        .append("<!-- Generated from ").append(CRD).append(" by ").append(ApiDocs.class.getName())
        .append(". Do not edit: regenerate with `mvn -q -Pupdate-crds process-classes`. -->\n\n")
        .append("Group `").append(spec.path("group").asText()).append("`, kind `")
        .append(names.path("kind").asText()).append("`, plural `").append(names.path("plural").asText())
        .append("`, short names ").append(codeList(names.path("shortNames"), ", "))
        .append(", scope ").append(spec.path("scope").asText()).append(".\n");
    for (JsonNode version : spec.path("versions")) {
      renderVersion(md, spec.path("group").asText(), version);
    }
    return md.toString();
  }

  private static void renderVersion(StringBuilder md, String group, JsonNode version) {
    md.append("\n## ").append(group).append('/').append(version.path("name").asText()).append("\n\n");
    JsonNode subresources = version.path("subresources");
    if (subresources.has("status")) {
      md.append("- Status subresource: `status` is written through `/status` only.\n");
    }
    JsonNode scale = subresources.path("scale");
    if (!scale.isMissingNode()) {
      md.append("- Scale subresource (`kubectl scale`, HorizontalPodAutoscaler): replicas `")
          .append(scale.path("specReplicasPath").asText()).append("`, status replicas `")
          .append(scale.path("statusReplicasPath").asText()).append("`, label selector `")
          .append(scale.path("labelSelectorPath").asText()).append("`.\n");
    }

    md.append("\n### Printer columns (`kubectl get`)\n\n| Column | JSONPath | Type |\n|---|---|---|\n");
    for (JsonNode column : version.path("additionalPrinterColumns")) {
      md.append("| ").append(column.path("name").asText()).append(" | `").append(cell(column.path("jsonPath").asText()))
          .append("` | ").append(column.path("type").asText()).append(" |\n");
    }

    List<String> rows = new ArrayList<>();
    List<String> rules = new ArrayList<>();
    JsonNode root = version.path("schema").path("openAPIV3Schema");
    root.path("properties").fields().forEachRemaining(field ->
        walk(field.getKey(), field.getValue(), required(root, field.getKey()), rows, rules));

    md.append("\n### Fields\n\n")
        .append("`a.b[]` is a list of objects. Defaults are applied by the API server and again by the operator;\n")
        .append("every rule is checked by the API server and again by the operator (`InvalidSpec` condition).\n\n")
        .append("| Field | Type | Required | Default | Validation | Description |\n|---|---|---|---|---|---|\n");
    rows.forEach(md::append);
    if (!rules.isEmpty()) {
      md.append("\n### Validation rules (CEL)\n\n");
      rules.forEach(md::append);
    }
  }

  private static void walk(String path, JsonNode schema, boolean required, List<String> rows, List<String> rules) {
    String type = EMBEDDED.getOrDefault(path, type(schema));
    rows.add("| `" + path + "` | " + cell(type) + " | " + (required ? "yes" : "") + " | "
        + (schema.has("default") ? "`" + cell(scalar(schema.get("default"))) + "`" : "") + " | "
        + cell(validation(schema)) + " | " + cell(schema.path("description").asText()) + " |\n");
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      rules.add("- `" + path + "`: `" + rule.path("rule").asText() + "`"
          + (rule.has("message") ? "\n  (message: " + rule.path("message").asText() + ")" : "") + "\n");
    }
    if (EMBEDDED.containsKey(path)) {
      return;
    }
    // Fields of list items (a[].b) and of map values (a.*.b) are documented like any other.
    JsonNode fields = schema;
    String prefix = path;
    if (schema.has("items")) {
      fields = schema.get("items");
      prefix = path + "[]";
    } else if (schema.path("additionalProperties").isObject()) {
      fields = schema.get("additionalProperties");
      prefix = path + ".*";
    }
    JsonNode parent = fields;
    String parentPath = prefix;
    fields.path("properties").fields().forEachRemaining(field ->
        walk(parentPath + "." + field.getKey(), field.getValue(), required(parent, field.getKey()), rows, rules));
  }

  private static boolean required(JsonNode schema, String field) {
    for (JsonNode name : schema.path("required")) {
      if (name.asText().equals(field)) {
        return true;
      }
    }
    return false;
  }

  private static String type(JsonNode schema) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return "integer or string";
    }
    if (schema.has("items")) {
      return "[]" + type(schema.get("items"));
    }
    if (schema.path("additionalProperties").isObject()) {
      return "map[string]" + type(schema.get("additionalProperties"));
    }
    return schema.has("type") ? schema.get("type").asText() : "any";
  }

  private static String validation(JsonNode schema) {
    List<String> parts = new ArrayList<>();
    bound(parts, schema, "minimum", schema.path("exclusiveMinimum").asBoolean(false) ? "> " : ">= ");
    bound(parts, schema, "maximum", schema.path("exclusiveMaximum").asBoolean(false) ? "< " : "<= ");
    bound(parts, schema, "minLength", "length >= ");
    bound(parts, schema, "maxLength", "length <= ");
    bound(parts, schema, "minItems", "items >= ");
    bound(parts, schema, "maxItems", "items <= ");
    if (schema.has("pattern")) {
      parts.add("pattern `" + schema.get("pattern").asText() + "`");
    }
    if (schema.has("enum")) {
      parts.add("one of " + codeList(schema.get("enum"), ", "));
    }
    if (schema.has("format")) {
      parts.add("format " + schema.get("format").asText());
    }
    if (schema.has("x-kubernetes-validations")) {
      parts.add("CEL rule (below)");
    }
    return String.join("; ", parts);
  }

  private static void bound(List<String> parts, JsonNode schema, String key, String label) {
    if (schema.has(key)) {
      parts.add(label + scalar(schema.get(key)));
    }
  }

  /** 60.0 is written 60: the generator emits integer bounds as floats. */
  private static String scalar(JsonNode value) {
    if (value.isNumber()) {
      return new BigDecimal(value.asText()).stripTrailingZeros().toPlainString();
    }
    return value.isTextual() ? value.asText() : value.toString();
  }

  private static String codeList(JsonNode values, String separator) {
    List<String> parts = new ArrayList<>();
    values.forEach(v -> parts.add("`" + v.asText() + "`"));
    return String.join(separator, parts);
  }

  /** A table cell: one line, and a '|' does not end the cell. */
  private static String cell(String text) {
    return text.replaceAll("\\s+", " ").trim().replace("|", "\\|");
  }
}
