package io.dotproxy.operator.docs;

import io.dotproxy.operator.delivery.RepoFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/reference/crd.md, from the committed CRD in crds/ (itself generated from the Java model): every
 * field with its type, default, validation and description. Fields of Kubernetes' own types (affinity,
 * tolerations, resources) are listed once, not field by field: their schemas carry no descriptions here.
 */
final class CrdReference {

  static final String CRD = "crds/dnsovertlsproxies.dotproxy.io-v1.yml";

  private CrdReference() {}

  @SuppressWarnings("unchecked")
  static String markdown() {
    Map<String, Object> crd = new Yaml().load(RepoFiles.read(CRD));
    Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
    Map<String, Object> names = (Map<String, Object>) spec.get("names");
    Map<String, Object> version = ((List<Map<String, Object>>) spec.get("versions")).get(0);
    Map<String, Object> root = (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
    Map<String, Object> properties = (Map<String, Object>) root.get("properties");

    StringBuilder page = new StringBuilder(GeneratedPages.header("DnsOverTlsProxy (CRD reference)", CRD));
    page.append("`apiVersion: ").append(spec.get("group")).append('/').append(version.get("name"))
        .append("`, `kind: ").append(names.get("kind")).append("`, plural `").append(names.get("plural"))
        .append("`, short name `").append(String.join("`, `", (List<String>) names.get("shortNames")))
        .append("`, scope ").append(spec.get("scope")).append(".\n\n");
    page.append("""
        The CRD is generated from the Java model (`io.dotproxy.operator.model`) and committed in `crds/` and in the
        chart's `crds/`; refresh both with `mvn -pl operator process-classes -Pupdate-crds`. What the fields do, with
        examples, is in the [explanations](../README.md#explanation); which proxy setting each field renders is named in its
        description and listed in the [proxy settings](proxy-settings.md). A field left unset takes the proxy
        runtime's default. Durations always need a unit (`500ms`, `5s`, `2m`, `1h`).

        ## Columns

        `kubectl get dotp` shows the columns of priority 0; `kubectl get dotp -o wide` adds the others.

        | column | priority | type | value |
        |---|---|---|---|
        """);
    for (Map<String, Object> column : (List<Map<String, Object>>) version.get("additionalPrinterColumns")) {
      page.append("| ").append(column.get("name")).append(" | ").append(column.get("priority")).append(" | ")
          .append(column.get("type")).append(" | `").append(GeneratedPages.cell(String.valueOf(column.get("jsonPath"))))
          .append("` |\n");
    }
    page.append("""

        ## metadata

        | field | type | validation |
        |---|---|---|
        """);
    Map<String, Object> metadata = (Map<String, Object>) properties.get("metadata");
    for (Map.Entry<String, Object> field : ((Map<String, Object>) metadata.get("properties")).entrySet()) {
      Map<String, Object> node = (Map<String, Object>) field.getValue();
      page.append("| `metadata.").append(field.getKey()).append("` | ").append(type(node)).append(" | ")
          .append(GeneratedPages.cell(validation(node))).append(" |\n");
    }
    for (String part : List.of("spec", "status")) {
      Map<String, Object> node = (Map<String, Object>) properties.get(part);
      page.append("\n## ").append(part).append("\n\n");
      List<String> rules = rules(node);
      if (!rules.isEmpty()) {
        page.append("Rules on the whole `").append(part).append("` (CEL, enforced from Kubernetes 1.25): ")
            .append(String.join("; ", rules)).append(".\n\n");
      }
      page.append("| field | type | required | default | validation | description |\n|---|---|---|---|---|---|\n");
      List<String> rows = new ArrayList<>();
      fields(part, node, rows);
      rows.forEach(page::append);
    }
    return page.toString();
  }

  @SuppressWarnings("unchecked")
  private static void fields(String path, Map<String, Object> node, List<String> rows) {
    Map<String, Object> properties = (Map<String, Object>) node.get("properties");
    if (properties == null) {
      return;
    }
    List<String> required = (List<String>) node.getOrDefault("required", List.of());
    for (Map.Entry<String, Object> field : properties.entrySet()) {
      Map<String, Object> child = (Map<String, Object>) field.getValue();
      String childPath = path + "." + field.getKey();
      Object defaultValue = child.get("default");
      rows.add("| `" + childPath + "` | " + type(child) + " | " + (required.contains(field.getKey()) ? "yes" : "")
          + " | " + (defaultValue == null ? "" : "`" + defaultValue + "`") + " | "
          + GeneratedPages.cell(validation(child)) + " | "
          + GeneratedPages.cell(String.valueOf(child.getOrDefault("description", ""))) + " |\n");
      Map<String, Object> items = (Map<String, Object>) child.get("items");
      if (describesItsFields(child)) {
        fields(childPath, child, rows);
      } else if (items != null && describesItsFields(items)) {
        fields(childPath + "[]", items, rows);
      }
    }
  }

  /** Whether a field's own fields are described: the model's, not a Kubernetes type's. */
  @SuppressWarnings("unchecked")
  private static boolean describesItsFields(Map<String, Object> node) {
    Map<String, Object> properties = (Map<String, Object>) node.get("properties");
    return properties != null
        && properties.values().stream().anyMatch(p -> ((Map<String, Object>) p).containsKey("description"));
  }

  @SuppressWarnings("unchecked")
  private static String type(Map<String, Object> node) {
    if (Boolean.TRUE.equals(node.get("x-kubernetes-int-or-string"))) {
      return "int or string";
    }
    String type = String.valueOf(node.get("type"));
    if ("array".equals(type)) {
      return "[]" + type((Map<String, Object>) node.get("items"));
    }
    if ("object".equals(type) && node.get("additionalProperties") instanceof Map<?, ?> values) {
      return "map[string]" + type((Map<String, Object>) values);
    }
    return type;
  }

  @SuppressWarnings("unchecked")
  private static String validation(Map<String, Object> node) {
    List<String> parts = new ArrayList<>();
    if (node.get("enum") != null) {
      parts.add("one of " + String.join(", ", ((List<Object>) node.get("enum")).stream().map(v -> "`" + v + "`").toList()));
    }
    range(parts, node, "minimum", "maximum", "");
    range(parts, node, "minLength", "maxLength", " characters");
    range(parts, node, "minItems", "maxItems", " items");
    if (node.get("pattern") != null) {
      parts.add("matches `" + node.get("pattern") + "`");
    }
    Map<String, Object> items = (Map<String, Object>) node.get("items");
    if (items != null && !describesItsFields(items) && !"object".equals(items.get("type"))) {
      String each = validation(items);
      if (!each.isEmpty()) {
        parts.add("each: " + each);
      }
    }
    parts.addAll(rules(node));
    return String.join("; ", parts);
  }

  private static void range(List<String> parts, Map<String, Object> node, String min, String max, String unit) {
    Object low = node.get(min);
    Object high = node.get(max);
    if (low != null && high != null) {
      parts.add(number(low) + " to " + number(high) + unit);
    } else if (low != null) {
      parts.add("at least " + number(low) + unit);
    } else if (high != null) {
      parts.add("at most " + number(high) + unit);
    }
  }

  private static String number(Object value) {
    double d = ((Number) value).doubleValue();
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  @SuppressWarnings("unchecked")
  private static List<String> rules(Map<String, Object> node) {
    List<String> rules = new ArrayList<>();
    for (Map<String, Object> rule : (List<Map<String, Object>>) node.getOrDefault("x-kubernetes-validations", List.of())) {
      rules.add("CEL: " + rule.get("message"));
    }
    return rules;
  }
}
