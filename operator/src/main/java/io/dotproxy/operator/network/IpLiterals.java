package io.dotproxy.operator.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** IP address literals, parsed without ever resolving a host name. */
public final class IpLiterals {

  private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
  /** Hex digits and colons (and a dotted IPv4 tail); no zone id, no brackets. */
  private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$");

  private IpLiterals() {}

  /** The address this literal names; empty for anything else, host names included. */
  public static Optional<InetAddress> parse(String literal) {
    String text = literal.strip();
    boolean v4 = IPV4.matcher(text).matches();
    if (!v4 && !IPV6.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      // The patterns keep host names away from InetAddress, which would look them up; in brackets an
      // IPv6 literal that does not parse is refused, never looked up.
      return Optional.of(InetAddress.getByName(v4 ? text : "[" + text + "]"));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
