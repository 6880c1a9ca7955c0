package io.dotproxy.operator.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * What is wrong with a DnsOverTlsProxy, checked by the operator before it renders anything.
 *
 * <p>The CRD's schema (from the same constants) and its CEL rules (same messages) normally keep such
 * objects out, but not always: CEL rules are ignored by API servers older than 1.25 and by a CRD applied
 * without them, and an object stored under an older CRD is not checked again. What gets through must not
 * become a DaemonSet whose proxies refuse their config and restart forever, or a ConfigMap and DaemonSet
 * without their Service, so the operator checks the same rules, plus a few the proxy runtime enforces
 * that a schema pattern cannot (an IPv4 octet above 255, a TLS server name with an underscore).
 */
public final class SpecProblems {

  private static final String DNS_NAME =
      "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?([.][A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*[.]?";

  private final List<String> problems = new ArrayList<>();

  private SpecProblems() {}

  /** Each problem as "path: what is wrong"; empty when the proxy can be applied. */
  public static List<String> of(DnsOverTlsProxy proxy) {
    SpecProblems found = new SpecProblems();
    String name = proxy.getMetadata().getName();
    if (name != null && (name.length() > DnsOverTlsProxy.MAX_NAME_LENGTH || !name.matches(DnsOverTlsProxy.NAME_PATTERN))) {
      found.add("metadata.name", DnsOverTlsProxy.NAME_MESSAGE + given(name));
    }
    DnsOverTlsProxySpec spec = proxy.getSpec();
    if (spec == null) {
      found.add("spec", "spec is required");
    } else if (spec.unreadable().isPresent()) {
      found.problems.add(spec.unreadable().get());
    } else {
      found.spec(spec);
    }
    return List.copyOf(found.problems);
  }

  private void spec(DnsOverTlsProxySpec spec) {
    List<Upstream> upstreams = spec.getUpstreams();
    if (upstreams == null || upstreams.isEmpty()) {
      add("spec.upstreams", "at least one upstream is required");
    } else {
      atMost("spec.upstreams", upstreams.size(), DnsOverTlsProxySpec.MAX_UPSTREAMS, "upstreams");
      each("spec.upstreams", upstreams, this::upstream);
    }
    duration("spec.timeout", "timeout", spec.getTimeout());
    duration("spec.drainPeriod", "drainPeriod", spec.getDrainPeriod());
    if (spec.getCache() != null) {
      cache(spec.getCache());
    }
    if (spec.getCrossCheck() != null) {
      crossCheck(spec.getCrossCheck(), upstreams == null ? 0 : upstreams.size());
    }
    if (spec.getRateLimit() != null) {
      notNegative("spec.rateLimit.qps", spec.getRateLimit().getQps());
      notNegative("spec.rateLimit.burst", spec.getRateLimit().getBurst());
    }
    if (spec.getForwardZones() != null) {
      atMost("spec.forwardZones", spec.getForwardZones().size(), DnsOverTlsProxySpec.MAX_FORWARD_ZONES, "zones");
      each("spec.forwardZones", spec.getForwardZones(), this::forwardZone);
    }
    if (spec.getTrustedCA() != null) {
      trustedCa(spec.getTrustedCA());
    }
    if (spec.getImage() != null && (spec.getImage().isBlank() || spec.getImage().length() > DnsOverTlsProxySpec.MAX_IMAGE)) {
      add("spec.image", "must be an image reference of at most " + DnsOverTlsProxySpec.MAX_IMAGE + " characters");
    }
    if (spec.wantsCoreDnsPatch() && !spec.runsAsDaemonSet()) {
      add("spec", DnsOverTlsProxySpec.COREDNS_PATCH_MESSAGE);
    }
  }

  private void upstream(String path, Upstream upstream) {
    if (upstream == null) {
      add(path, "must be an object with an address");
      return;
    }
    if (upstream.getAddress() == null || !isIpAddress(upstream.getAddress())) {
      add(path, Upstream.ADDRESS_MESSAGE + given(upstream.getAddress()));
    }
    Integer port = upstream.getPort();
    if (port != null && (port < 1 || port > 65535)) {
      add(path + ".port", "must be from 1 to 65535" + given(port));
    }
    String serverName = upstream.getServerName();
    if (serverName != null && (serverName.length() > Upstream.MAX_SERVER_NAME || !serverName.matches(DNS_NAME))) {
      add(path + ".serverName", "must be a DNS name such as dns.quad9.net (letters, digits, '-' and '.')" + given(serverName));
    }
    List<String> pins = upstream.getSpkiPins();
    if (pins != null) {
      atMost(path + ".spkiPins", pins.size(), Upstream.MAX_PINS, "pins");
      if (pins.stream().anyMatch(pin -> pin == null || !pin.matches(Upstream.SPKI_PIN_PATTERN))) {
        add(path, Upstream.SPKI_PIN_MESSAGE);
      }
    }
  }

  private void cache(CacheSpec cache) {
    notNegative("spec.cache.size", cache.getSize());
    notNegative("spec.cache.minTTL", cache.getMinTTL());
    notNegative("spec.cache.maxTTL", cache.getMaxTTL());
    if (cache.getMinTTL() != null && cache.getMaxTTL() != null && cache.getMinTTL() > cache.getMaxTTL()) {
      add("spec", CacheSpec.TTL_ORDER_MESSAGE);
    }
    duration("spec.cache.serveStale", "serveStale", cache.getServeStale());
  }

  /** The CRD's two CEL rules about the cross-check, which the runtime enforces as well. */
  private void crossCheck(CrossCheckSpec crossCheck, int upstreams) {
    if (crossCheck.getOnMismatch() == CrossCheckSpec.OnMismatch.MAJORITY && crossCheck.upstreamsPerQuery() < 3) {
      add("spec.crossCheck", CrossCheckSpec.MAJORITY_MESSAGE);
    }
    if (crossCheck.turnedOn() && upstreams < crossCheck.upstreamsPerQuery()) {
      add("spec", CrossCheckSpec.UPSTREAMS_MESSAGE);
    }
  }

  private void forwardZone(String path, ForwardZone zone) {
    if (zone == null) {
      add(path, "must be an object with a zone and servers");
      return;
    }
    if (zone.getZone() == null || zone.getZone().length() > ForwardZone.MAX_ZONE || !zone.getZone().matches(ForwardZone.ZONE_PATTERN)) {
      add(path, ForwardZone.ZONE_MESSAGE + given(zone.getZone()));
    }
    List<String> servers = zone.getServers();
    if (servers == null || servers.isEmpty()) {
      add(path + ".servers", "at least one server is required");
      return;
    }
    atMost(path + ".servers", servers.size(), ForwardZone.MAX_SERVERS, "servers");
    for (String server : servers) {
      if (server == null || !isForwardServer(server)) {
        add(path, ForwardZone.SERVER_MESSAGE + given(server));
      }
    }
  }

  private void trustedCa(TrustedCA ca) {
    if ((ca.getConfigMapRef() == null) == (ca.getSecretRef() == null)) {
      add("spec", TrustedCA.ONE_SOURCE_MESSAGE);
      return;
    }
    boolean fromConfigMap = ca.getConfigMapRef() != null;
    KeyReference ref = fromConfigMap ? ca.getConfigMapRef() : ca.getSecretRef();
    String path = "spec.trustedCA." + (fromConfigMap ? "configMapRef" : "secretRef");
    if (ref.getName() == null || ref.getName().isEmpty() || ref.getName().length() > KeyReference.MAX_LENGTH) {
      add(path + ".name", "must name a " + (fromConfigMap ? "ConfigMap" : "Secret") + " in the proxy's namespace");
    }
    if (ref.getKey() != null && (ref.getKey().isEmpty() || ref.getKey().length() > KeyReference.MAX_LENGTH)) {
      add(path + ".key", "must be a key of 1 to " + KeyReference.MAX_LENGTH + " characters");
    }
  }

  private void duration(String path, String field, String value) {
    if (value != null && !Durations.isValid(value)) {
      add(path, field + " " + Durations.MESSAGE + given(value));
    }
  }

  private void notNegative(String path, Integer value) {
    if (value != null && value < 0) {
      add(path, "must be 0 or more" + given(value));
    }
  }

  private void atMost(String path, int count, int max, String what) {
    if (count > max) {
      add(path, "at most " + max + " " + what + ", not " + count);
    }
  }

  private <T> void each(String path, List<T> items, ItemCheck<T> check) {
    for (int i = 0; i < items.size(); i++) {
      check.accept(path + "[" + i + "]", items.get(i));
    }
  }

  @FunctionalInterface
  private interface ItemCheck<T> {
    void accept(String path, T item);
  }

  private void add(String path, String problem) {
    problems.add(path + ": " + problem);
  }

  private static String given(Object value) {
    return value == null ? "" : " (not \"" + value + "\")";
  }

  /** An IP address literal as the runtime reads one; never a name (nothing is looked up). */
  static boolean isIpAddress(String text) {
    if (text.matches(Upstream.IPV4_SHAPE)) {
      for (String octet : text.split("[.]")) {
        if (Integer.parseInt(octet) > 255) {
          return false;
        }
      }
      return true;
    }
    if (text.matches(Upstream.IPV6_SHAPE)) {
      try {
        // A text with a colon is parsed as an IPv6 literal and never resolved.
        InetAddress.getByName(text);
        return true;
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  /** ADDR or ADDR:PORT, IPv6 in brackets (ForwardZone.SERVER_PATTERN), with a real address and port. */
  private static boolean isForwardServer(String server) {
    if (!server.matches(ForwardZone.SERVER_PATTERN)) {
      return false;
    }
    String address;
    String port;
    if (server.startsWith("[")) {
      int close = server.indexOf(']');
      address = server.substring(1, close);
      port = close + 1 < server.length() ? server.substring(close + 2) : null;
    } else {
      int colon = server.indexOf(':');
      address = colon < 0 ? server : server.substring(0, colon);
      port = colon < 0 ? null : server.substring(colon + 1);
    }
    boolean portValid = port == null || (Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535);
    boolean addressValid = server.startsWith("[") ? address.contains(":") && isIpAddress(address) : isIpAddress(address);
    return portValid && addressValid;
  }
}
