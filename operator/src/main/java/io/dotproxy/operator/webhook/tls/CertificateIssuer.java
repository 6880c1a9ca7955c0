package io.dotproxy.operator.webhook.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes the operator's webhook CA and serving certificates: ECDSA P-256 keys, SHA-256 signatures.
 *
 * <p>Keys, signatures and certificate parsing are the JDK's; Bouncy Castle only encodes the certificate
 * structure (the JDK has no public API for that). Certificates start an hour in the past so that an
 * API server whose clock is a little behind accepts them at once.
 */
public final class CertificateIssuer {

  static final Duration BACKDATE = Duration.ofHours(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private CertificateIssuer() {}

  /** A CA: its key pair and self-signed certificate. */
  public record Authority(KeyPair keys, X509Certificate certificate) {}

  public static Authority newAuthority(String commonName, Instant now, Duration validity) {
    try {
      KeyPair keys = newKeyPair();
      X500Name name = name(commonName);
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          name, serial(), Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), name, keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new Authority(keys, sign(builder, keys));
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create the webhook CA", e);
    }
  }

  /**
   * A serving certificate for {@code names} (canonical DNS names and IP addresses, see {@link SubjectNames}),
   * valid for {@code validity} but never beyond its CA.
   */
  public static ServingIdentity issue(Authority ca, List<String> names, Instant now, Duration validity) {
    try {
      KeyPair keys = newKeyPair();
      Instant notAfter = now.plus(validity);
      Instant caNotAfter = ca.certificate().getNotAfter().toInstant();
      if (notAfter.isAfter(caNotAfter)) {
        notAfter = caNotAfter;
      }
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          ca.certificate(), serial(), Date.from(now.minus(BACKDATE)), Date.from(notAfter), name(names.get(0)), keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.stream().map(SubjectNames::generalName).toArray(GeneralName[]::new)));
      builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca.certificate()));
      return new ServingIdentity(keys.getPrivate(), List.of(sign(builder, ca.keys())));
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue the webhook serving certificate", e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    var contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  /** Positive, 127 random bits: unique without coordination between replicas. */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(0);
  }
}
