package io.dotproxy.operator.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Names in the operator's serving certificate: how they are issued, read back and compared. */
class SubjectNamesTest {

  static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
  static final List<String> SERVICE = List.of("dotproxy-operator-webhook.dotproxy-system.svc");

  @Test
  void dnsNamesAndIpAddressesGoIntoTheirOwnSubjectAltNameTypes() throws Exception {
    X509Certificate leaf = issue(List.of(SERVICE.get(0), "localhost", "127.0.0.1", "::1"));

    assertThat(leaf.getSubjectAlternativeNames()).extracting(san -> san.get(0) + " " + san.get(1)).containsExactly(
        "2 " + SERVICE.get(0), "2 localhost", "7 127.0.0.1", "7 0:0:0:0:0:0:0:1");
    assertThat(SubjectNames.of(leaf)).containsExactly(SERVICE.get(0), "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
  }

  @Test
  void aCertificateHasExactlyTheNamesWhateverTheirSpelling() {
    X509Certificate leaf = issue(List.of(SERVICE.get(0), "localhost", "::1"));

    assertThat(CertificatePlan.hasExactlyNames(leaf, List.of(SERVICE.get(0), "LOCALHOST", "0:0:0:0:0:0:0:1"))).isTrue();
    assertThat(CertificatePlan.hasExactlyNames(leaf, List.of(SERVICE.get(0), "localhost"))).as("one too many").isFalse();
    assertThat(CertificatePlan.hasExactlyNames(leaf, List.of(SERVICE.get(0), "localhost", "::1", "127.0.0.1")))
        .as("one missing").isFalse();
  }

  @Test
  void thePlanReissuesTheServingCertificateWhenTheNamesChangeAndKeepsItOtherwise() {
    CertificatePlan.Result first = CertificatePlan.plan(Optional.empty(), SERVICE, NOW, CertificateLifetimes.DEFAULTS);
    var stored = Optional.of(first.data());

    CertificatePlan.Result same = CertificatePlan.plan(stored, SERVICE, NOW.plus(Duration.ofDays(1)), CertificateLifetimes.DEFAULTS);
    List<String> withLocalhost = List.of(SERVICE.get(0), "localhost");
    CertificatePlan.Result added = CertificatePlan.plan(stored, withLocalhost, NOW.plus(Duration.ofDays(1)), CertificateLifetimes.DEFAULTS);

    assertThat(same.changed()).isFalse();
    assertThat(added.changes()).containsExactly("serving certificate reissued for the names " + withLocalhost);
    assertThat(added.caBundle()).isEqualTo(first.caBundle());
    assertThat(SubjectNames.of(added.serving().leaf())).containsExactly(SERVICE.get(0), "localhost");
  }

  private static X509Certificate issue(List<String> names) {
    CertificateIssuer.Authority ca = CertificateIssuer.newAuthority("test CA", NOW, Duration.ofDays(30));
    return CertificateIssuer.issue(ca, SubjectNames.canonical(names), NOW, Duration.ofDays(1)).leaf();
  }
}
