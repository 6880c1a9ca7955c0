package io.dotproxy.runtime.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A DNS-over-TLS upstream. Without a TLS name the certificate must be valid for the IP address
 * itself: verification is never switched off.
 */
public record UpstreamSpec(
    InetAddress address, int port, Optional<String> serverName, List<String> spkiPins) {

  public static final int DEFAULT_PORT = 853;

  public UpstreamSpec {
    Objects.requireNonNull(address, "address");
    serverName = Objects.requireNonNullElse(serverName, Optional.empty());
    spkiPins = List.copyOf(spkiPins);
  }

  /** Parses unbound's forward-addr syntax {@code ADDR[@PORT][#TLS_NAME]}. */
  static UpstreamSpec parse(String text) {
    String rest = text.trim();
    Optional<String> name = Optional.empty();
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      name = Optional.of(validServerName(rest.substring(hash + 1)));
      rest = rest.substring(0, hash);
    }
    int port = DEFAULT_PORT;
    int at = rest.indexOf('@');
    if (at >= 0) {
      port = HostPort.parsePort(rest.substring(at + 1), 1);
      rest = rest.substring(0, at);
    }
    if (rest.startsWith("[") && rest.endsWith("]")) {
      rest = rest.substring(1, rest.length() - 1);
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("expected ADDR[@PORT][#TLS_NAME]");
    }
    return new UpstreamSpec(upstreamIp(rest), port, name, List.of());
  }

  static InetAddress upstreamIp(String text) {
    if (!NetUtil.isValidIpV4Address(text) && !NetUtil.isValidIpV6Address(text)) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an IP address (a host name would need DNS to reach DNS)");
    }
    return HostPort.parseIp(text);
  }

  static String validServerName(String name) {
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (trimmed.isEmpty()
        || trimmed.length() > 253
        || !trimmed.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")) {
      throw new IllegalArgumentException("'" + name + "' is not a valid TLS server name");
    }
    return trimmed;
  }

  static String validPin(String pin) {
    byte[] digest;
    try {
      digest = Base64.getDecoder().decode(pin.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SPKI pin '" + pin + "' is not base64");
    }
    if (digest.length != 32) {
      throw new IllegalArgumentException(
          "SPKI pin '" + pin + "' is not a base64 SHA-256 digest (32 bytes)");
    }
    return pin.trim();
  }

  UpstreamSpec withPins(List<String> pins) {
    return new UpstreamSpec(address, port, serverName, pins);
  }

  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(address, port);
  }

  /** {@code ADDR@PORT}: the metrics label and the name in logs. */
  public String label() {
    return NetUtil.toAddressString(address) + "@" + port;
  }

  /** The name the certificate must match: the TLS name, else the IP address. */
  public String verifiedName() {
    return serverName.orElseGet(() -> NetUtil.toAddressString(address));
  }

  @Override
  public String toString() {
    return label() + serverName.map(n -> "#" + n).orElse("");
  }
}
