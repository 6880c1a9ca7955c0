package io.dotproxy.operator.webhook;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.sidecar.ProxyLookup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's own cache of DnsOverTlsProxies, so that admission never waits for the API server.
 *
 * <p>It is separate from the reconciler's cache because JOSDK starts that one only in the replica that
 * holds the leader Lease, while every replica serves admissions: a failover then costs the webhook
 * nothing. It watches the same namespaces as the reconciler, so a CR that no controller renders a config
 * for is never used for injection.
 */
final class ProxyInformerCache implements ProxyLookup, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProxyInformerCache.class);

  private final List<SharedIndexInformer<DnsOverTlsProxy>> informers;

  private ProxyInformerCache(List<SharedIndexInformer<DnsOverTlsProxy>> informers) {
    this.informers = informers;
  }

  /** Starts watching without waiting for the first list; {@link #hasSynced()} tells when it is complete. */
  static ProxyInformerCache start(KubernetesClient client, Set<String> namespaces) {
    List<SharedIndexInformer<DnsOverTlsProxy>> informers = new ArrayList<>();
    var resources = client.resources(DnsOverTlsProxy.class);
    if (namespaces.isEmpty()) {
      informers.add(resources.inAnyNamespace().runnableInformer(0));
    } else {
      namespaces.forEach(ns -> informers.add(resources.inNamespace(ns).runnableInformer(0)));
    }
    for (SharedIndexInformer<DnsOverTlsProxy> informer : informers) {
      // Keep trying (e.g. before the CRD is installed); until synced the webhook is not ready.
      informer.exceptionHandler((started, t) -> {
        log.warn("watching DnsOverTlsProxies for the webhook failed, retrying: {}", t.toString());
        return true;
      });
      informer.start();
    }
    return new ProxyInformerCache(informers);
  }

  @Override
  public Optional<DnsOverTlsProxy> find(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    for (SharedIndexInformer<DnsOverTlsProxy> informer : informers) {
      DnsOverTlsProxy proxy = informer.getStore().getByKey(key);
      if (proxy != null) {
        return Optional.of(proxy);
      }
    }
    return Optional.empty();
  }

  /** Every DnsOverTlsProxy watched, in no particular order. */
  List<DnsOverTlsProxy> all() {
    List<DnsOverTlsProxy> all = new ArrayList<>();
    informers.forEach(informer -> all.addAll(informer.getStore().list()));
    return all;
  }

  boolean hasSynced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
