package io.dotproxy.operator.config;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.KeyReference;
import io.dotproxy.operator.model.TrustedCA;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Reads the CA bundle a DnsOverTlsProxy refers to.
 *
 * <p>It reads with a plain GET on each reconciliation rather than from an informer's cache, so no
 * ConfigMap's or Secret's data is cached. A change of a referenced ConfigMap starts a reconciliation at
 * once (the reconciler's {@code TrustedCaConfigMaps}); a rotated Secret within seconds (its
 * {@code TrustedCaSecrets} polls the Secret's version by name, since watching Secrets would need the
 * RBAC to read them all).
 */
public final class TrustedCaResolver {

  private final KubernetesClient client;
  private final boolean secretsAllowed;

  /** @param secretsAllowed whether the operator may read Secrets (--trusted-ca-secrets) */
  public TrustedCaResolver(KubernetesClient client, boolean secretsAllowed) {
    this.client = client;
    this.secretsAllowed = secretsAllowed;
  }

  public TrustedCaBundle resolve(DnsOverTlsProxy proxy) {
    TrustedCA trustedCA = proxy.getSpec().getTrustedCA();
    String namespace = proxy.getMetadata().getNamespace();
    if (trustedCA == null) {
      return new TrustedCaBundle.SystemTrustStore();
    }
    if (trustedCA.getConfigMapRef() != null) {
      KeyReference ref = trustedCA.getConfigMapRef();
      ConfigMap cm = client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
      return cm == null
          ? missing("ConfigMap", namespace, ref)
          : fromData("ConfigMap", namespace, ref, cm.getData(), false);
    }
    if (trustedCA.getSecretRef() != null && !secretsAllowed) {
      // Said plainly instead of a 403 from the API server that the user would have to decode.
      return new TrustedCaBundle.Unresolved("trustedCA: this operator may not read Secrets (--trusted-ca-secrets false;"
          + " chart value rbac.trustedCASecrets); use a configMapRef");
    }
    if (trustedCA.getSecretRef() != null) {
      KeyReference ref = trustedCA.getSecretRef();
      Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
      return secret == null
          ? missing("Secret", namespace, ref)
          : fromData("Secret", namespace, ref, secret.getData(), true);
    }
    return new TrustedCaBundle.Unresolved("trustedCA names neither a configMapRef nor a secretRef");
  }

  private static TrustedCaBundle missing(String kind, String namespace, KeyReference ref) {
    return new TrustedCaBundle.Unresolved(
        "trustedCA: " + kind + " " + namespace + "/" + ref.getName() + " not found");
  }

  private static TrustedCaBundle fromData(
      String kind, String namespace, KeyReference ref, Map<String, String> data, boolean base64) {
    String key = ref.getKey() == null ? KeyReference.DEFAULT_KEY : ref.getKey();
    String value = data == null ? null : data.get(key);
    if (value == null || value.isBlank()) {
      return new TrustedCaBundle.Unresolved(
          "trustedCA: " + kind + " " + namespace + "/" + ref.getName() + " has no key " + key);
    }
    String pem = base64 ? new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8) : value;
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      return new TrustedCaBundle.Unresolved(
          "trustedCA: key " + key + " of " + kind + " " + namespace + "/" + ref.getName()
              + " holds no PEM certificate");
    }
    return new TrustedCaBundle.Pem(pem);
  }
}
