package io.dotproxy.operator.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The committed CRD's openAPIV3Schema as a JSON Schema (networknt json-schema-validator), made to
 * behave like the API server where a plain JSON Schema would be laxer:
 * <ul>
 *   <li>objects with declared properties reject unknown fields, like kubectl's strict field validation
 *       (the API server would otherwise prune them silently);
 *   <li>apiVersion, kind and metadata are allowed at the top, as the API server adds them to the schema
 *       (metadata keeps the CRD's rules on its name, and its other fields are not checked);
 *   <li>CEL rules (trustedCA's one-of, coreDNS.patch needs DaemonSet, minTTL <= maxTTL) cannot run here:
 *       there is no CEL interpreter, and the API server is the place that enforces them.
 * </ul>
 */
final class CrdSchema {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonSchema schema;
  private final List<String> celRulesNotRun = new ArrayList<>();

  private CrdSchema(JsonNode openApiV3Schema) {
    ObjectNode root = openApiV3Schema.deepCopy();
    ObjectNode properties = (ObjectNode) root.get("properties");
    properties.set("apiVersion", JSON.createObjectNode().put("type", "string"));
    properties.set("kind", JSON.createObjectNode().put("type", "string"));
    if (properties.get("metadata") instanceof ObjectNode metadata) {
      metadata.put("x-kubernetes-preserve-unknown-fields", true);
    } else {
      properties.set("metadata", JSON.createObjectNode().put("type", "object"));
    }
    adapt(root, "");
    this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(root);
  }

  /** The schema of the first (and only) version of the committed DnsOverTlsProxy CRD. */
  static CrdSchema dnsOverTlsProxy() {
    Map<?, ?> crd = Serialization.unmarshal(RepoFiles.read("crds/dnsovertlsproxies.dotproxy.io-v1.yml"), Map.class);
    JsonNode node = JSON.valueToTree(crd);
    return new CrdSchema(node.at("/spec/versions/0/schema/openAPIV3Schema"));
  }

  /** Validation messages for one object (as parsed from YAML); empty when it is valid. */
  Set<String> validate(Map<String, Object> object) {
    Set<ValidationMessage> messages = schema.validate(JSON.valueToTree(object));
    return messages.stream().map(ValidationMessage::getMessage).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The CEL rules left to the API server, as "path: rule". */
  List<String> celRulesNotRun() {
    return List.copyOf(celRulesNotRun);
  }

  private void adapt(ObjectNode node, String path) {
    JsonNode validations = node.remove("x-kubernetes-validations");
    if (validations instanceof ArrayNode rules) {
      for (JsonNode rule : rules) {
        celRulesNotRun.add((path.isEmpty() ? "." : path) + ": " + rule.get("rule").asText());
      }
    }
    boolean preserveUnknown = node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      if (names.next().startsWith("x-kubernetes-")) {
        names.remove();
      }
    }
    if (node.has("properties")) {
      if (!node.has("additionalProperties") && !preserveUnknown) {
        node.put("additionalProperties", false);
      }
      node.get("properties").fields().forEachRemaining(e -> adapt((ObjectNode) e.getValue(), path + "." + e.getKey()));
    }
    if (node.get("additionalProperties") instanceof ObjectNode additional) {
      adapt(additional, path + ".*");
    }
    if (node.get("items") instanceof ObjectNode items) {
      adapt(items, path + "[]");
    }
    if (node.get("anyOf") instanceof ArrayNode anyOf) {
      anyOf.forEach(option -> adapt((ObjectNode) option, path));
    }
  }
}
