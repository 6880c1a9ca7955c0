package io.dotproxy.operator.webhook.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides, from what the operator's Secret holds, which CA and serving certificate the webhook should use
 * and whether the Secret needs rewriting. Pure: the time comes in, nothing is written.
 *
 * <p>The Secret ({@code kubernetes.io/tls}) holds:
 * <ul>
 *   <li>{@code ca.crt}: the caBundle, newest CA first. After a CA renewal the previous CA stays here (and
 *       in the webhook configuration's caBundle) until it expires, so a serving certificate it signed
 *       stays trusted while replicas switch over.
 *   <li>{@code ca.key}: the key of the newest CA, which signs new serving certificates.
 *   <li>{@code tls.crt}, {@code tls.key}: the serving certificate and its key.
 * </ul>
 *
 * Anything unreadable is replaced rather than reported: the Secret is the operator's own.
 */
public final class CertificatePlan {

  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String TLS_CERT = "tls.crt";
  public static final String TLS_KEY = "tls.key";

  static final String CA_NAME = "dotproxy-operator-webhook-ca";

  private CertificatePlan() {}

  /**
   * @param data the Secret's data, decoded, when it exists
   * @param changes what was renewed, for the log; empty when the Secret is fine as it is
   */
  public record Result(
      List<X509Certificate> caBundle,
      CertificateIssuer.Authority signingCa,
      ServingIdentity serving,
      List<String> changes) {

    public boolean changed() {
      return !changes.isEmpty();
    }

    /** The Secret's data (decoded) for this result. */
    public Map<String, String> data() {
      Map<String, String> data = new LinkedHashMap<>();
      data.put(CA_CERT, Pem.encode(caBundle.toArray(new X509Certificate[0])));
      data.put(CA_KEY, Pem.encode(signingCa.keys().getPrivate()));
      data.put(TLS_CERT, Pem.encode(serving.chain().toArray(new X509Certificate[0])));
      data.put(TLS_KEY, Pem.encode(serving.key()));
      return data;
    }

    public String caBundlePem() {
      return Pem.encode(caBundle.toArray(new X509Certificate[0]));
    }
  }

  /**
   * @param names what the serving certificate is for: DNS names and IP addresses (see {@link SubjectNames})
   */
  public static Result plan(Optional<Map<String, String>> data, List<String> names, Instant now, CertificateLifetimes lifetimes) {
    Map<String, String> d = data.orElse(Map.of());
    List<String> changes = new ArrayList<>();

    List<X509Certificate> bundle = parse(() -> Pem.certificates(d.get(CA_CERT))).orElse(List.of());
    List<X509Certificate> unexpired = bundle.stream().filter(c -> c.getNotAfter().toInstant().isAfter(now)).toList();
    if (unexpired.size() < bundle.size()) {
      changes.add("expired CA removed from the caBundle");
    }

    Optional<CertificateIssuer.Authority> current = unexpired.isEmpty() ? Optional.empty()
        : parse(() -> Pem.privateKey(d.get(CA_KEY)))
            .filter(key -> ServingIdentity.matches(key, unexpired.get(0)))
            .map(key -> new CertificateIssuer.Authority(new KeyPair(unexpired.get(0).getPublicKey(), key), unexpired.get(0)));
    CertificateIssuer.Authority signingCa;
    List<X509Certificate> caBundle;
    if (current.isPresent() && isFresh(current.get().certificate(), now, lifetimes.caRenewBefore())) {
      signingCa = current.get();
      caBundle = unexpired;
    } else {
      signingCa = CertificateIssuer.newAuthority(CA_NAME, now, lifetimes.caValidity());
      caBundle = new ArrayList<>();
      caBundle.add(signingCa.certificate());
      caBundle.addAll(unexpired);
      changes.add(bundle.isEmpty() ? "CA created" : "CA renewed, previous CA kept in the caBundle until it expires");
    }

    Optional<ServingIdentity> stored = parse(() -> ServingIdentity.fromPem(d.get(TLS_CERT), d.get(TLS_KEY)))
        .filter(s -> isFresh(s.leaf(), now, lifetimes.servingRenewBefore()))
        .filter(s -> signedByOneOf(s.leaf(), caBundle));
    ServingIdentity serving;
    if (stored.isPresent() && hasExactlyNames(stored.get().leaf(), names)) {
      serving = stored.get();
    } else {
      serving = CertificateIssuer.issue(signingCa, names, now, lifetimes.servingValidity());
      changes.add(stored.isPresent() ? "serving certificate reissued for the names " + names
          : d.containsKey(TLS_CERT) ? "serving certificate renewed" : "serving certificate created");
    }
    return new Result(List.copyOf(caBundle), signingCa, serving, changes);
  }

  /** Valid now and for longer than {@code renewBefore}. */
  static boolean isFresh(X509Certificate certificate, Instant now, Duration renewBefore) {
    return !certificate.getNotBefore().toInstant().isAfter(now)
        && certificate.getNotAfter().toInstant().isAfter(now.plus(renewBefore));
  }

  /**
   * Whether the certificate carries these names and no others: a name that was added must be served at
   * once, and one that was removed (e.g. localhost, once development is over) must stop being trusted.
   */
  static boolean hasExactlyNames(X509Certificate certificate, List<String> names) {
    return SubjectNames.of(certificate).equals(new LinkedHashSet<>(SubjectNames.canonical(names)));
  }

  static boolean signedByOneOf(X509Certificate certificate, List<X509Certificate> cas) {
    for (X509Certificate ca : cas) {
      if (!ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
        continue;
      }
      try {
        certificate.verify(ca.getPublicKey());
        return true;
      } catch (GeneralSecurityException e) {
        // another CA with the same name; try the next one
      }
    }
    return false;
  }

  private static <T> Optional<T> parse(Supplier<T> parser) {
    try {
      return Optional.ofNullable(parser.get());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
