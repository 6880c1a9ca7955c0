package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A DNS-over-TLS server the proxies forward to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Upstream {

  public static final int DEFAULT_PORT = 853;

  /**
   * The shapes the CRD accepts: dotted digits, or hex digits, dots and at least one colon.
   * {@link SpecProblems} also checks that the text is a real address.
   */
  static final String IPV4_SHAPE = "[0-9]{1,3}([.][0-9]{1,3}){3}";
  static final String IPV6_SHAPE = "[0-9a-fA-F.]*:[0-9a-fA-F:.]*";
  static final String ADDRESS_PATTERN = "^(" + IPV4_SHAPE + "|" + IPV6_SHAPE + ")$";
  static final String ADDRESS_MESSAGE =
      "address must be an IPv4 or IPv6 address (a hostname cannot be resolved before the proxy has DNS)";
  static final String SPKI_PIN_PATTERN = "^[A-Za-z0-9+/]{43}=$";
  static final String SPKI_PIN_MESSAGE = "each spkiPin must be the base64 of a SHA-256 digest: 44 characters ending in '='";
  static final int MAX_SERVER_NAME = 253;
  static final int MAX_PINS = 8;

  @Required
  @Size(max = 45)
  @Pattern(ADDRESS_PATTERN)
  @JsonPropertyDescription("IPv4 or IPv6 address of the DNS-over-TLS server, never a hostname: the proxy cannot resolve"
      + " one before it has DNS.")
  private String address;

  // 853 when unset, by this class, not by a schema default: in the atomic list of upstreams a default
  // the API server fills in makes the stored list differ from the applied one, so every server-side apply
  // of an unchanged manifest would write the object again (and GitOps tools would see a diff).
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("TCP port of the DNS-over-TLS server; 853 when unset.")
  private Integer port = DEFAULT_PORT;

  @Size(max = MAX_SERVER_NAME)
  @JsonPropertyDescription("Name the server's certificate must carry (TLS SNI and verification), e.g. dns.quad9.net.")
  private String serverName;

  @Size(max = MAX_PINS)
  @JsonPropertyDescription("Base64 SHA-256 digests of SubjectPublicKeyInfo (44 characters ending in '='); the server"
      + " must present one of them.")
  private List<@Size(max = 44) @Pattern(SPKI_PIN_PATTERN) String> spkiPins;

  public Upstream() {}

  public Upstream(String address, Integer port, String serverName) {
    this.address = address;
    this.port = port;
    this.serverName = serverName;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public String getServerName() {
    return serverName;
  }

  public void setServerName(String serverName) {
    this.serverName = serverName;
  }

  public List<String> getSpkiPins() {
    return spkiPins;
  }

  public void setSpkiPins(List<String> spkiPins) {
    this.spkiPins = spkiPins;
  }
}
