package io.dotproxy.operator.model;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds to the root of the generated schema what no field annotation can: rules on metadata.name and a
 * required spec. Schema rules, unlike CEL rules, are enforced by every Kubernetes version this project
 * supports (CEL needs 1.25); a CRD schema may restrict metadata.name and nothing else of metadata.
 *
 * <p>Used by the CRD generator only (see {@link DnsOverTlsProxy}); never loaded at run time.
 */
public final class NameRules implements SchemaCustomizer.Customizer {

  @Override
  public JSONSchemaProps apply(JSONSchemaProps root, String input, KubernetesSerialization serialization) {
    JSONSchemaProps name = new JSONSchemaPropsBuilder()
        .withType("string")
        .withMaxLength((long) DnsOverTlsProxy.MAX_NAME_LENGTH)
        .withPattern(DnsOverTlsProxy.NAME_PATTERN)
        .build();
    Map<String, JSONSchemaProps> properties = new LinkedHashMap<>();
    properties.put("metadata", new JSONSchemaPropsBuilder().withType("object").addToProperties("name", name).build());
    properties.putAll(root.getProperties());
    root.setProperties(properties);
    root.setRequired(List.of("spec"));
    return root;
  }
}
