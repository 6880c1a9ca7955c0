package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A zone answered by plain-DNS servers instead of the DoT upstreams (e.g. cluster.local to kube-dns). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForwardZone {

  static final String ZONE_PATTERN = "^([A-Za-z0-9_-]+[.])*[A-Za-z0-9_-]+[.]?$";
  static final String ZONE_MESSAGE = "zone must be a DNS name such as cluster.local";
  static final String SERVER_PATTERN = "^([0-9.]+|\\[[0-9a-fA-F:.]+\\])(:[0-9]{1,5})?$";
  static final String SERVER_MESSAGE =
      "each server must be ADDR or ADDR:PORT with an IP address, IPv6 in brackets: 10.96.0.10:53, [fd00::a]:53";
  static final int MAX_ZONE = 253;
  static final int MAX_SERVERS = 8;

  @Required
  @Size(min = 1, max = MAX_ZONE)
  @Pattern(ZONE_PATTERN)
  @JsonPropertyDescription("DNS zone, e.g. cluster.local.")
  private String zone;

  @Required
  @Size(min = 1, max = MAX_SERVERS)
  @JsonPropertyDescription("Plain-DNS servers for the zone, as ADDR[:PORT] with an IP address (IPv6 as [ADDR]:PORT).")
  private List<@Size(max = 53) @Pattern(SERVER_PATTERN) String> servers;

  public ForwardZone() {}

  public ForwardZone(String zone, List<String> servers) {
    this.zone = zone;
    this.servers = servers;
  }

  public String getZone() {
    return zone;
  }

  public void setZone(String zone) {
    this.zone = zone;
  }

  public List<String> getServers() {
    return servers;
  }

  public void setServers(List<String> servers) {
    this.servers = servers;
  }
}
