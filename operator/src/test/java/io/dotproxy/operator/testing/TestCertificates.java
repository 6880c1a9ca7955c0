package io.dotproxy.operator.testing;

import io.dotproxy.operator.webhook.tls.CertificateIssuer;
import io.dotproxy.operator.webhook.tls.Pem;
import io.dotproxy.operator.webhook.tls.ServingIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What cert-manager leaves in a mounted Secret: tls.crt (chain), tls.key and ca.crt, valid for a day. */
public final class TestCertificates {

  private TestCertificates() {}

  /** Writes a CA-signed serving certificate for {@code dnsNames} into {@code dir}, which it returns. */
  public static Path writeServing(Path dir, List<String> dnsNames) {
    Instant now = Instant.now();
    CertificateIssuer.Authority ca = CertificateIssuer.newAuthority("test CA", now, Duration.ofDays(1));
    ServingIdentity identity = CertificateIssuer.issue(ca, dnsNames, now, Duration.ofDays(1));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("tls.crt"), Pem.encode(identity.chain().toArray(X509Certificate[]::new)));
      Files.writeString(dir.resolve("tls.key"), Pem.encode(identity.key()));
      Files.writeString(dir.resolve("ca.crt"), Pem.encode(ca.certificate()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
