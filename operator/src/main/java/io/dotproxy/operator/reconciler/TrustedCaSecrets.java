package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.TrustedCA;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.ResourceIDMapper;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingConfigurationBuilder;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingEventSource;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a DnsOverTlsProxy within {@link #POLL} of a change of the Secret its
 * {@code spec.trustedCA.secretRef} names (created, rotated or deleted), without a watch on Secrets.
 *
 * <p>Why polling: an informer needs list and watch, and RBAC cannot narrow those to named or labelled
 * Secrets, so a watch would hand the operator every Secret of the watched namespaces. Polling by name
 * keeps the grant at {@code get}. Each proxy with a secretRef costs one GET per {@link #POLL}, from the
 * replica that reconciles; proxies without one cost nothing (JOSDK's per-resource polling schedules
 * only those its predicate accepts, and the fetch skips a proxy that has since dropped its secretRef).
 *
 * <p>Only the Secret's name, namespace, uid and resourceVersion are kept, never its data: a changed
 * resourceVersion is the event, and the reconciliation reads the bundle itself with a GET.
 */
final class TrustedCaSecrets {

  static final String NAME = "trusted-ca-secrets";

  /** Far below the periodic reconciliation; a GET per proxy with a secretRef this often is cheap. */
  static final Duration POLL = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(TrustedCaSecrets.class);

  private TrustedCaSecrets() {}

  static EventSource<Secret, DnsOverTlsProxy> create(EventSourceContext<DnsOverTlsProxy> context) {
    KubernetesClient client = context.getClient();
    var configuration = new PerResourcePollingConfigurationBuilder<Secret, DnsOverTlsProxy, ResourceID>(
            proxy -> fetch(client, proxy), POLL)
        .withName(NAME)
        .withRegisterPredicate(proxy -> secretName(proxy).isPresent())
        .withResourceIDMapper(ResourceIDMapper.kubernetesResourceIdMapper())
        .build();
    return new PerResourcePollingEventSource<>(Secret.class, context, configuration);
  }

  /**
   * The referenced Secret's identity and version, or nothing when it is absent. Never throws: JOSDK
   * stops polling a proxy whose fetch throws; an API error counts as "absent", so the proxy is
   * reconciled (and reports the error, or finds the Secret unchanged) rather than forgotten.
   */
  static Set<Secret> fetch(KubernetesClient client, DnsOverTlsProxy proxy) {
    Optional<String> name = secretName(proxy);
    if (name.isEmpty()) {
      return Set.of();
    }
    String namespace = proxy.getMetadata().getNamespace();
    try {
      Secret secret = client.secrets().inNamespace(namespace).withName(name.get()).get();
      return secret == null ? Set.of() : Set.of(trim(secret));
    } catch (KubernetesClientException e) {
      log.warn("could not read trustedCA Secret {}/{}: {}", namespace, name.get(), e.getMessage());
      return Set.of();
    }
  }

  static Optional<String> secretName(DnsOverTlsProxy proxy) {
    return TrustedCaConfigMaps.referencedName(proxy, TrustedCA::getSecretRef);
  }

  static Secret trim(Secret secret) {
    return new SecretBuilder().withMetadata(TrimmingItemStore.versionOnly(secret.getMetadata())).build();
  }
}
