package io.dotproxy.operator.webhook.tls;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator mode: the operator is its own CA. It keeps CA and serving certificate in a Secret, renews them
 * before they expire, presents the current serving certificate, and keeps the caBundle of the
 * MutatingWebhookConfiguration's webhooks in step with the Secret.
 *
 * <p>Every replica runs this (every replica serves the webhook), without leader election: the Secret is
 * the single source of truth and all writes carry the resourceVersion that was read, so when two
 * replicas renew at once one write wins, the other gets a conflict and adopts the winner's
 * certificates on its next read.
 */
public final class OperatorManagedCertificates implements CertificateSource {

  private static final Logger log = LoggerFactory.getLogger(OperatorManagedCertificates.class);
  private static final int ATTEMPTS = 3;

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String webhookConfigName;
  private final List<String> names;
  private final CertificateLifetimes lifetimes;
  private final Clock clock;
  private final ReloadingKeyManager keyManager;
  private volatile boolean warnedMissingConfig;

  public OperatorManagedCertificates(
      KubernetesClient client,
      String namespace,
      String secretName,
      String webhookConfigName,
      List<String> names,
      CertificateLifetimes lifetimes,
      Clock clock,
      ReloadingKeyManager keyManager) {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.webhookConfigName = webhookConfigName;
    this.names = SubjectNames.canonical(names);
    this.lifetimes = lifetimes;
    this.clock = clock;
    this.keyManager = keyManager;
  }

  /** Reads the Secret, renews what is due, presents the serving certificate and fixes the caBundle. */
  @Override
  public synchronized void refresh() {
    CertificatePlan.Result result = null;
    for (int attempt = 1; result == null; attempt++) {
      Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
      CertificatePlan.Result plan = CertificatePlan.plan(Optional.ofNullable(secret).map(OperatorManagedCertificates::decode),
          names, clock.instant(), lifetimes);
      if (!plan.changed()) {
        result = plan;
        break;
      }
      try {
        write(secret, plan);
        log.info("webhook certificates in Secret {}/{}: {}; serving certificate valid until {}", namespace, secretName,
            String.join(", ", plan.changes()), plan.serving().leaf().getNotAfter().toInstant());
        result = plan;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
        // Another replica wrote first: read its certificates instead of overwriting them.
        log.debug("Secret {}/{} changed while renewing; reading it again", namespace, secretName);
      }
    }
    present(result.serving());
    syncCaBundle(result.caBundlePem());
  }

  private void write(Secret existing, CertificatePlan.Result plan) {
    Map<String, String> data = encode(plan.data());
    if (existing == null) {
      client.resource(new SecretBuilder()
              .withNewMetadata()
              .withName(secretName)
              .withNamespace(namespace)
              .addToLabels("app.kubernetes.io/name", "dotproxy")
              .addToLabels("app.kubernetes.io/component", "webhook")
              .addToLabels("app.kubernetes.io/managed-by", "dotproxy-operator")
              .endMetadata()
              .withType("kubernetes.io/tls")
              .withData(data)
              .build())
          .create(); // 409 AlreadyExists when another replica created it first
    } else {
      // A plain update carrying the resourceVersion we read: 409 Conflict if anyone wrote meanwhile.
      client.resource(new SecretBuilder(existing).withData(data).build()).update();
    }
  }

  private void present(ServingIdentity serving) {
    Optional<ServingIdentity> presented = keyManager.identity();
    if (presented.isEmpty() || !sameCertificates(presented.get().chain(), serving.chain())) {
      keyManager.install(serving);
      log.info("webhook presents serving certificate {} (serial {}), valid until {}",
          serving.leaf().getSubjectX500Principal().getName(), serving.leaf().getSerialNumber().toString(16),
          serving.leaf().getNotAfter().toInstant());
    }
  }

  /**
   * Patches caBundle of every webhook in the configuration that does not carry the bundle yet. Each
   * replacement is guarded by a JSON-patch {@code test} of the webhook's name, so a concurrent edit of
   * the list (e.g. a Helm upgrade) makes the patch fail instead of writing into the wrong webhook.
   *
   * @return whether every webhook now carries the bundle
   */
  boolean syncCaBundle(String caBundlePem) {
    String expected = Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.US_ASCII));
    var resource = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(webhookConfigName);
    MutatingWebhookConfiguration config = resource.get();
    if (config == null) {
      if (!warnedMissingConfig) {
        log.warn("MutatingWebhookConfiguration {} not found; API servers cannot call the webhook until it exists "
            + "(see --webhook-config-name)", webhookConfigName);
        warnedMissingConfig = true;
      }
      return false;
    }
    warnedMissingConfig = false;
    List<MutatingWebhook> webhooks = config.getWebhooks() == null ? List.of() : config.getWebhooks();
    ArrayNode patch = Serialization.jsonMapper().createArrayNode();
    for (int i = 0; i < webhooks.size(); i++) {
      MutatingWebhook webhook = webhooks.get(i);
      if (webhook.getClientConfig() != null && Objects.equals(webhook.getClientConfig().getCaBundle(), expected)) {
        continue;
      }
      // clientConfig is required by the API, so only caBundle inside it may be missing; "add" sets or replaces it.
      patch.add(op("test", "/webhooks/" + i + "/name").put("value", webhook.getName()));
      patch.add(op("add", "/webhooks/" + i + "/clientConfig/caBundle").put("value", expected));
    }
    if (patch.isEmpty()) {
      return true;
    }
    resource.patch(PatchContext.of(PatchType.JSON), patch.toString());
    log.info("caBundle of MutatingWebhookConfiguration {} updated ({} webhook(s))", webhookConfigName, patch.size() / 2);
    return true;
  }

  private static ObjectNode op(String op, String path) {
    return Serialization.jsonMapper().createObjectNode().put("op", op).put("path", path);
  }

  @Override
  public boolean hasIdentity() {
    return keyManager.identity().isPresent();
  }

  private static boolean sameCertificates(List<X509Certificate> a, List<X509Certificate> b) {
    if (a.size() != b.size()) {
      return false;
    }
    try {
      for (int i = 0; i < a.size(); i++) {
        if (!Arrays.equals(a.get(i).getEncoded(), b.get(i).getEncoded())) {
          return false;
        }
      }
      return true;
    } catch (CertificateEncodingException e) {
      return false;
    }
  }

  private static Map<String, String> decode(Secret secret) {
    Map<String, String> decoded = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> {
        try {
          decoded.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
          // not base64: treat as missing, the plan replaces it
        }
      });
    }
    return decoded;
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
    return encoded;
  }
}
