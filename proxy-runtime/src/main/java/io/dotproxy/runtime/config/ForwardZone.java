package io.dotproxy.runtime.config;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Names at or below {@code zone} go to these plain-DNS servers instead of the DoT upstreams. */
public record ForwardZone(Name zone, List<HostPort> servers) {

  public ForwardZone {
    servers = List.copyOf(servers);
  }

  /** Parses {@code ZONE=ADDR[:PORT],ADDR[:PORT]...}. */
  static ForwardZone parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new IllegalArgumentException("expected ZONE=ADDR[:PORT],...");
    }
    Name zone;
    try {
      zone = Name.fromString(text.substring(0, eq).trim(), Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("'" + text.substring(0, eq) + "' is not a DNS name");
    }
    List<HostPort> servers = new ArrayList<>();
    for (String server : text.substring(eq + 1).split(",")) {
      servers.add(HostPort.parse(server.trim(), 53));
    }
    return new ForwardZone(zone, servers);
  }

  @Override
  public String toString() {
    return zone + "=" + servers;
  }
}
