package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.KeyReference;
import io.dotproxy.operator.model.TrustedCA;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;
import java.util.function.Function;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reconciles every DnsOverTlsProxy whose {@code spec.trustedCA.configMapRef} names a ConfigMap as soon as
 * that ConfigMap is created, changed or deleted, so a rotated CA bundle reaches the proxies in seconds
 * rather than at the next periodic reconciliation.
 *
 * <p>Users need not label their CA ConfigMaps, so the informer cannot select them: it sees every
 * ConfigMap of the watched namespaces (the operator may list and watch ConfigMaps there anyway, for its
 * own). Its store keeps only each one's name, namespace, uid and resourceVersion, never the data: the
 * reconciliation reads the bundle itself with a GET. The initial list comes in pages so that the
 * cluster's ConfigMaps never sit in the operator's heap all at once.
 *
 * <p>Secrets are not watched: watching them needs list and watch on Secrets, which hands the operator
 * every Secret of the watched namespaces; a {@code secretRef} is polled by name instead
 * ({@link TrustedCaSecrets}).
 */
final class TrustedCaConfigMaps {

  static final String NAME = "trusted-ca-configmaps";

  /** Objects per page of the informer's list. */
  static final long LIST_PAGE = 500;

  private TrustedCaConfigMaps() {}

  static EventSource<ConfigMap, DnsOverTlsProxy> create(EventSourceContext<DnsOverTlsProxy> context) {
    var configuration = InformerEventSourceConfiguration.from(ConfigMap.class, DnsOverTlsProxy.class)
        .withName(NAME)
        .withSecondaryToPrimaryMapper(configMap -> referencing(configMap,
            context.getPrimaryCache().list(configMap.getMetadata().getNamespace())))
        .withItemStore(new TrimmingItemStore<>(TrustedCaConfigMaps::trim))
        .withInformerListLimit(LIST_PAGE)
        .build();
    return new InformerEventSource<>(configuration, context);
  }

  /** The proxies among {@code proxies} whose trustedCA is {@code configMap}. */
  static Set<ResourceID> referencing(ConfigMap configMap, Stream<DnsOverTlsProxy> proxies) {
    String namespace = configMap.getMetadata().getNamespace();
    String name = configMap.getMetadata().getName();
    return proxies
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
        .filter(p -> configMapName(p).filter(name::equals).isPresent())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static Optional<String> configMapName(DnsOverTlsProxy proxy) {
    return referencedName(proxy, TrustedCA::getConfigMapRef);
  }

  /** The name of what {@code proxy}'s trustedCA refers to through {@code reference}, if it does. */
  static Optional<String> referencedName(DnsOverTlsProxy proxy, Function<TrustedCA, KeyReference> reference) {
    return Optional.ofNullable(proxy.getSpec())
        .map(spec -> spec.getTrustedCA())
        .map(reference)
        .map(KeyReference::getName);
  }

  static ConfigMap trim(ConfigMap configMap) {
    return new ConfigMapBuilder().withMetadata(TrimmingItemStore.versionOnly(configMap.getMetadata())).build();
  }
}
