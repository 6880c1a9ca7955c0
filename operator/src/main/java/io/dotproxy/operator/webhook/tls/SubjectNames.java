package io.dotproxy.operator.webhook.tls;

import io.dotproxy.operator.network.IpLiterals;
import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The names a serving certificate is issued for: DNS names and IP addresses (subjectAltName types
 * dNSName and iPAddress). Each name has one canonical spelling, so that the names a certificate
 * carries can be compared with the names it should carry: DNS names in lower case, IP addresses as
 * the JDK writes them ({@code ::1} becomes {@code 0:0:0:0:0:0:0:1}).
 */
public final class SubjectNames {

  private static final int DNS_NAME = 2;
  private static final int IP_ADDRESS = 7;

  private static final Pattern DNS = Pattern.compile(
      "^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$");

  private SubjectNames() {}

  /**
   * The canonical form of a DNS name or an IP address literal.
   *
   * @throws IllegalArgumentException when it is neither; the message says what is accepted
   */
  public static String canonical(String name) {
    String lower = name.strip().toLowerCase(Locale.ROOT);
    Optional<InetAddress> address = IpLiterals.parse(lower);
    if (address.isPresent()) {
      return address.get().getHostAddress();
    }
    // All digits and dots but no IPv4 address (999.1.1.1, 10.1): a typo, not a host name.
    if (DNS.matcher(lower).matches() && !lower.matches("^[0-9.]+$")) {
      return lower;
    }
    throw new IllegalArgumentException("'" + name + "' is neither a DNS name (such as localhost or webhook.example.com)"
        + " nor an IP address (such as 127.0.0.1 or ::1)");
  }

  /** The canonical names, duplicates dropped, in the order given. */
  public static List<String> canonical(Collection<String> names) {
    Set<String> canonical = new LinkedHashSet<>();
    names.forEach(n -> canonical.add(canonical(n)));
    return List.copyOf(canonical);
  }

  static boolean isIpAddress(String canonicalName) {
    return IpLiterals.parse(canonicalName).isPresent();
  }

  static GeneralName generalName(String canonicalName) {
    return isIpAddress(canonicalName)
        ? new GeneralName(GeneralName.iPAddress, canonicalName)
        : new GeneralName(GeneralName.dNSName, canonicalName);
  }

  /** The DNS names and IP addresses a certificate carries, canonical; empty when it has none or they cannot be read. */
  static Set<String> of(X509Certificate certificate) {
    Set<String> names = new LinkedHashSet<>();
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans == null) {
        return names;
      }
      for (List<?> san : sans) {
        Object type = san.get(0);
        String value = String.valueOf(san.get(1)).toLowerCase(Locale.ROOT);
        if (Integer.valueOf(DNS_NAME).equals(type)) {
          names.add(value);
        } else if (Integer.valueOf(IP_ADDRESS).equals(type)) {
          names.add(ipAddress(value));
        }
      }
      return names;
    } catch (CertificateParsingException | IllegalArgumentException e) {
      return Set.of();
    }
  }

  private static String ipAddress(String literal) {
    return IpLiterals.parse(literal).map(InetAddress::getHostAddress)
        .orElseThrow(() -> new IllegalArgumentException("'" + literal + "' is not a valid IP address"));
  }
}
