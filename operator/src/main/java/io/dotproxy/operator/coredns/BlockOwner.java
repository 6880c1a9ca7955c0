package io.dotproxy.operator.coredns;

import java.util.Optional;
import java.util.regex.Pattern;

/** The DnsOverTlsProxy a marked block in the Corefile belongs to. */
public record BlockOwner(String namespace, String name) {

  private static final Pattern MARKER =
      Pattern.compile("# dotproxy:([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([a-z0-9]([-.a-z0-9]*[a-z0-9])?) (begin|end)");

  public String beginMarker() {
    return "# dotproxy:" + namespace + "/" + name + " begin";
  }

  public String endMarker() {
    return "# dotproxy:" + namespace + "/" + name + " end";
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }

  /** The owner named by a begin marker, if the (stripped) line is one. */
  static Optional<BlockOwner> ofBeginMarker(String strippedLine) {
    return ofMarker(strippedLine, "begin");
  }

  /** The owner named by an end marker, if the (stripped) line is one. */
  static Optional<BlockOwner> ofEndMarker(String strippedLine) {
    return ofMarker(strippedLine, "end");
  }

  private static Optional<BlockOwner> ofMarker(String strippedLine, String kind) {
    var m = MARKER.matcher(strippedLine);
    if (!m.matches() || !m.group(5).equals(kind)) {
      return Optional.empty();
    }
    return Optional.of(new BlockOwner(m.group(1), m.group(3)));
  }
}
