package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a ConfigMap or Secret in the proxy's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyReference {

  public static final String DEFAULT_KEY = "ca.crt";

  static final int MAX_LENGTH = 253;

  @Required
  @Size(min = 1, max = MAX_LENGTH)
  @JsonPropertyDescription("Name of the object, in the namespace of the DnsOverTlsProxy.")
  private String name;

  @Default(DEFAULT_KEY)
  @Size(min = 1, max = MAX_LENGTH)
  @JsonPropertyDescription("Key holding the PEM bundle.")
  private String key = DEFAULT_KEY;

  public KeyReference() {}

  public KeyReference(String name, String key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
