package io.dotproxy.runtime.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority generated at test time, so no key material is checked in and
 * certificates can be made with exactly the names and validity a test needs (including expired ones).
 * Keys are EC P-256 because generating them takes microseconds, unlike RSA.
 *
 * <p>For "untrusted server" tests create a second, unrelated {@code TestPki} and issue from it: its
 * certificates are well-formed but chain to a root the client does not trust.
 */
public final class TestPki {

    /** The names a DoT upstream is usually reached by in tests: a host name plus both loopbacks. */
    public static final List<String> DEFAULT_SERVER_NAMES = List.of("dot.test", "127.0.0.1", "::1");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate caCertificate;
    private final PrivateKey caKey;

    private TestPki(X509Certificate caCertificate, PrivateKey caKey) {
        this.caCertificate = caCertificate;
        this.caKey = caKey;
    }

    /** A new root CA named "dotproxy test CA". */
    public static TestPki newCa() {
        return newCa("dotproxy test CA");
    }

    /** A new root CA with the given common name; every call yields an unrelated key. */
    public static TestPki newCa(String commonName) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Validity validity = new Validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
        X509v3CertificateBuilder builder = certificateBuilder(name, name, validity, keys);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestPki(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not create test CA", e);
        }
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** A currently valid server certificate for {@link #DEFAULT_SERVER_NAMES}. */
    public Issued issue() {
        return issue(Validity.current(), DEFAULT_SERVER_NAMES.toArray(String[]::new));
    }

    /**
     * A currently valid server certificate. Each subject alternative name that parses as an IP
     * literal becomes an IP SAN, anything else a DNS SAN; the first name is also the CN.
     */
    public Issued issue(String... subjectAltNames) {
        return issue(Validity.current(), subjectAltNames);
    }

    /** A server certificate with the given validity window, e.g. {@link Validity#expired()}. */
    public Issued issue(Validity validity, String... subjectAltNames) {
        KeyPair keys = newKeyPair();
        X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder builder = certificateBuilder(issuer, subjectFor(subjectAltNames), validity, keys);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            addServerExtensions(builder, keys, subjectAltNames);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCertificate));
            X509Certificate leaf = sign(builder, caKey);
            return new Issued(List.of(leaf, caCertificate), keys.getPrivate(), caCertificate);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not issue certificate", e);
        }
    }

    /**
     * A self-signed server certificate (no CA involved). Its {@link Issued#caCertificate()} is the
     * certificate itself, so a client can still be told to trust it explicitly.
     */
    public static Issued selfSigned(String... subjectAltNames) {
        KeyPair keys = newKeyPair();
        X500Name name = subjectFor(subjectAltNames);
        X509v3CertificateBuilder builder = certificateBuilder(name, name, Validity.current(), keys);
        try {
            addServerExtensions(builder, keys, subjectAltNames);
            X509Certificate certificate = sign(builder, keys.getPrivate());
            return new Issued(List.of(certificate), keys.getPrivate(), certificate);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not create self-signed certificate", e);
        }
    }

    /** RFC 7858 SPKI pin: base64(SHA-256(DER SubjectPublicKeyInfo)). */
    public static String spkiPin(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
            return Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JDK client {@link SSLContext} that trusts only this CA. */
    public SSLContext clientSslContext() {
        return clientSslContext(caCertificate);
    }

    /** A JDK client {@link SSLContext} trusting exactly the given anchors (e.g. a self-signed cert). */
    public static SSLContext clientSslContext(X509Certificate... trustAnchors) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < trustAnchors.length; i++) {
                store.setCertificateEntry("anchor-" + i, trustAnchors[i]);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not build client SSLContext", e);
        }
    }

    private static void addServerExtensions(X509v3CertificateBuilder builder, KeyPair keys, String... subjectAltNames)
            throws GeneralSecurityException, java.io.IOException {
        if (subjectAltNames.length == 0) {
            throw new IllegalArgumentException("a server certificate needs at least one subject alternative name");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String san : subjectAltNames) {
            names.add(new GeneralName(isIpLiteral(san) ? GeneralName.iPAddress : GeneralName.dNSName, san));
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
    }

    private static X500Name subjectFor(String... subjectAltNames) {
        return new X500Name("CN=" + (subjectAltNames.length > 0 ? subjectAltNames[0] : "server"));
    }

    private static boolean isIpLiteral(String name) {
        // Only IPv4 dotted quads and IPv6 (contains ':') count; never resolve names here.
        return name.contains(":") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static X509v3CertificateBuilder certificateBuilder(X500Name issuer, X500Name subject, Validity validity, KeyPair keys) {
        BigInteger serial = new BigInteger(63, RANDOM).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(validity.notBefore()),
                Date.from(validity.notAfter()), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) throws GeneralSecurityException {
        try {
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate validity window. */
    public record Validity(Instant notBefore, Instant notAfter) {

        /** Valid from an hour ago (tolerates clock skew) for a week. */
        public static Validity current() {
            Instant now = Instant.now();
            return new Validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)));
        }

        /** Was valid two days ago, expired yesterday. */
        public static Validity expired() {
            Instant now = Instant.now();
            return new Validity(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
        }

        /** Becomes valid tomorrow. */
        public static Validity notYetValid() {
            Instant now = Instant.now();
            return new Validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)));
        }
    }
}
