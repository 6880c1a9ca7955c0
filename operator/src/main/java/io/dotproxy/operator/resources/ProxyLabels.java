package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels on everything the operator makes (CONVENTIONS.md). */
public final class ProxyLabels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "dotproxy-operator";

  /** Selects what this operator made, so its informers never cache anyone else's objects. */
  public static final String MANAGED_BY_SELECTOR = MANAGED_BY + "=" + OPERATOR;

  private ProxyLabels() {}

  public static Map<String, String> of(DnsOverTlsProxy proxy) {
    Map<String, String> labels = new LinkedHashMap<>(selector(proxy));
    labels.put(MANAGED_BY, OPERATOR);
    return labels;
  }

  /** The subset that selects a fleet's pods; a DaemonSet selector is immutable, so it never grows. */
  public static Map<String, String> selector(DnsOverTlsProxy proxy) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, "dotproxy");
    labels.put(INSTANCE, proxy.getMetadata().getName());
    labels.put(COMPONENT, "proxy");
    return labels;
  }
}
