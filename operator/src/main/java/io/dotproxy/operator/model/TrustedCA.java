package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the PEM bundle of CAs trusted for upstream certificates comes from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.configMapRef) != has(self.secretRef)",
    message = TrustedCA.ONE_SOURCE_MESSAGE)
public class TrustedCA {

  static final String ONE_SOURCE_MESSAGE = "trustedCA needs exactly one of configMapRef or secretRef";

  @JsonPropertyDescription("ConfigMap key holding the PEM bundle.")
  private KeyReference configMapRef;

  @JsonPropertyDescription("Secret key holding the PEM bundle.")
  private KeyReference secretRef;

  public static TrustedCA fromConfigMap(String name, String key) {
    var ca = new TrustedCA();
    ca.setConfigMapRef(new KeyReference(name, key));
    return ca;
  }

  public static TrustedCA fromSecret(String name, String key) {
    var ca = new TrustedCA();
    ca.setSecretRef(new KeyReference(name, key));
    return ca;
  }

  public KeyReference getConfigMapRef() {
    return configMapRef;
  }

  public void setConfigMapRef(KeyReference configMapRef) {
    this.configMapRef = configMapRef;
  }

  public KeyReference getSecretRef() {
    return secretRef;
  }

  public void setSecretRef(KeyReference secretRef) {
    this.secretRef = secretRef;
  }
}
