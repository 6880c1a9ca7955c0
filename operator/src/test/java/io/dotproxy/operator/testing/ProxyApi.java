package io.dotproxy.operator.testing;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What a user does with one DnsOverTlsProxy and sees of it (kubectl get/edit/delete), waiting where the
 * operator has to catch up. Objects the operator makes for it are read from the same namespace.
 */
public final class ProxyApi {

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Duration timeout;

  public ProxyApi(KubernetesClient client, String namespace, String name) {
    this(client, namespace, name, Eventually.TIMEOUT);
  }

  /** Waiting up to {@code timeout}, e.g. longer for a real control plane's controllers. */
  public ProxyApi(KubernetesClient client, String namespace, String name, Duration timeout) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.timeout = timeout;
  }

  /** The proxy as stored now, or null once it is gone. */
  public DnsOverTlsProxy current() {
    return client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).get();
  }

  /** Like kubectl edit: on a conflict with the operator's own status write, read again and retry. */
  public void edit(Consumer<DnsOverTlsProxy> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).edit(p -> {
          change.accept(p);
          return p;
        });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  public void delete() {
    client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).delete();
  }

  public void awaitGone() {
    Eventually.until("DnsOverTlsProxy " + name + " to be gone", timeout, () -> Optional.ofNullable(current()), Optional::isEmpty);
  }

  /** An object in the proxy's namespace, or null. */
  public <R extends HasMetadata> R get(Class<R> type, String objectName) {
    return client.resources(type).inNamespace(namespace).withName(objectName).get();
  }

  public <R extends HasMetadata> R await(Class<R> type, String objectName) {
    return Eventually.until(type.getSimpleName() + " " + objectName, timeout, () -> get(type, objectName), r -> true);
  }

  /** Waits until the proxy has a status that satisfies {@code condition}. */
  public DnsOverTlsProxy awaitStatus(Predicate<DnsOverTlsProxy> condition) {
    return Eventually.until("the status of " + name, timeout, this::current, p -> p.getStatus() != null && condition.test(p));
  }

  public static boolean hasCondition(DnsOverTlsProxy proxy, String type, String status) {
    return proxy.getStatus() != null
        && proxy.getStatus().condition(type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  public static Condition condition(DnsOverTlsProxy proxy, String type) {
    return proxy.getStatus().condition(type).orElseThrow();
  }
}
