package io.dotproxy.operator.docs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dotproxy.operator.delivery.RepoFiles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart's values as a table, from values.yaml (defaults, and the comment above each key) and
 * values.schema.json (types and allowed values): docs/reference/helm-values.md and the chart README's
 * values section.
 */
final class HelmValuesReference {

  static final String VALUES = "charts/dotproxy-operator/values.yaml";
  static final String SCHEMA = "charts/dotproxy-operator/values.schema.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern KEY_LINE = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9_]*):(.*)$");

  private HelmValuesReference() {}

  static String page() {
    return GeneratedPages.header("Helm values", VALUES + " and " + SCHEMA) + """
        The values of the `dotproxy-operator` chart. `values.schema.json` rejects unknown keys and wrong types, so a
        typo fails `helm install` instead of passing silently. Install, upgrade and uninstall:
        [Install](../how-to/install.md), [Upgrade](../how-to/upgrade.md), [Uninstall](../how-to/uninstall.md).
        The operator flag each value sets is named in the [operator flags](operator-flags.md).

        """ + table();
  }

  /** The table alone, for the chart's README. */
  @SuppressWarnings("unchecked")
  static String table() {
    String yaml = RepoFiles.read(VALUES);
    Map<String, Object> values = new Yaml().load(yaml);
    JsonNode schema;
    try {
      schema = JSON.readTree(RepoFiles.read(SCHEMA));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(SCHEMA + " is not JSON", e);
    }
    StringBuilder table = new StringBuilder("| value | type | default | description |\n|---|---|---|---|\n");
    rows("", values, schema, schema, comments(yaml), table);
    return table.toString();
  }

  @SuppressWarnings("unchecked")
  private static void rows(String prefix, Map<String, Object> values, JsonNode schemaNode, JsonNode schema,
      Map<String, String> comments, StringBuilder table) {
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      String path = prefix + entry.getKey();
      JsonNode node = resolve(schemaNode.path("properties").path(entry.getKey()), schema);
      String comment = comments.getOrDefault(path, "");
      if (entry.getValue() instanceof Map<?, ?> map && node.has("properties") && !map.isEmpty()) {
        if (!comment.isEmpty()) {
          table.append("| `").append(path).append("` | object | | ").append(GeneratedPages.cell(comment)).append(" |\n");
        }
        rows(path + ".", (Map<String, Object>) map, node, schema, comments, table);
      } else {
        table.append("| `").append(path).append("` | ").append(GeneratedPages.cell(type(node, schema))).append(" | `")
            .append(GeneratedPages.cell(literal(entry.getValue()))).append("` | ")
            .append(GeneratedPages.cell(comment)).append(" |\n");
      }
    }
  }

  private static JsonNode resolve(JsonNode node, JsonNode schema) {
    if (node.has("$ref")) {
      String[] parts = node.get("$ref").asText().substring(2).split("/");
      JsonNode target = schema;
      for (String part : parts) {
        target = target.path(part);
      }
      return target;
    }
    return node;
  }

  private static String type(JsonNode node, JsonNode schema) {
    if (node.isMissingNode()) {
      return "";
    }
    StringBuilder type = new StringBuilder();
    JsonNode types = node.path("type");
    if (types.isArray()) {
      List<String> names = new ArrayList<>();
      types.forEach(t -> names.add(t.asText()));
      type.append(String.join(" or ", names));
    } else {
      type.append(types.asText());
    }
    if (node.has("items")) {
      String items = type(resolve(node.get("items"), schema), schema);
      type.setLength(0);
      type.append("list of ").append(items.isEmpty() ? "any" : items);
    }
    if (node.has("enum")) {
      List<String> allowed = new ArrayList<>();
      node.get("enum").forEach(v -> allowed.add("`" + v.asText() + "`"));
      type.append(": ").append(String.join(", ", allowed));
    }
    if (node.has("minimum") || node.has("maximum")) {
      type.append(", ").append(node.path("minimum").asText("")).append(" to ").append(node.path("maximum").asText(""));
    }
    if (node.has("pattern")) {
      type.append(", matching `").append(node.get("pattern").asText()).append('`');
    }
    return type.toString();
  }

  private static String literal(Object value) {
    if (value instanceof String s) {
      return s.isEmpty() ? "\"\"" : s;
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The comment lines directly above each key (a blank line ends a comment), by the key's dotted path. */
  static Map<String, String> comments(String yaml) {
    Map<String, String> comments = new HashMap<>();
    Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
    List<String> pending = new ArrayList<>();
    for (String line : yaml.lines().toList()) {
      String stripped = line.strip();
      if (stripped.isEmpty()) {
        pending.clear();
      } else if (stripped.startsWith("#")) {
        pending.add(stripped.substring(1).strip());
      } else {
        Matcher m = KEY_LINE.matcher(line);
        if (m.matches()) {
          int indent = m.group(1).length();
          while (!parents.isEmpty() && parents.peek().getKey() >= indent) {
            parents.pop();
          }
          StringBuilder path = new StringBuilder();
          for (Iterator<Map.Entry<Integer, String>> it = parents.descendingIterator(); it.hasNext(); ) {
            path.append(it.next().getValue()).append('.');
          }
          path.append(m.group(2));
          if (!pending.isEmpty()) {
            comments.put(path.toString(), String.join(" ", pending));
          }
          parents.push(Map.entry(indent, m.group(2)));
        }
        pending.clear();
      }
    }
    return comments;
  }
}
