package io.dotproxy.runtime.testing;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * A server certificate made by {@link TestPki} with its private key.
 *
 * @param chain         leaf first, then the issuing CA (so pinning tests can pin either); just the
 *                      leaf for a self-signed certificate
 * @param privateKey    the leaf's key
 * @param caCertificate what a client must trust to accept this certificate
 */
public record Issued(List<X509Certificate> chain, PrivateKey privateKey, X509Certificate caCertificate) {

    public Issued {
        chain = List.copyOf(chain);
    }

    /** The leaf (server) certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** SPKI pin of the leaf, see {@link TestPki#spkiPin}. */
    public String spkiPin() {
        return TestPki.spkiPin(certificate());
    }

    /**
     * Writes PEM files into {@code dir} (created if needed) for Unbound and the runtime's
     * {@code --ca-file}. Names include the serial number so several certificates can share a directory.
     */
    public PemFiles writePem(Path dir) {
        String stem = "cert-" + certificate().getSerialNumber().toString(16);
        try {
            Files.createDirectories(dir);
            StringBuilder chainPem = new StringBuilder();
            for (X509Certificate certificate : chain) {
                chainPem.append(pem("CERTIFICATE", certificate.getEncoded()));
            }
            Path chainFile = Files.writeString(dir.resolve(stem + ".chain.pem"), chainPem, StandardCharsets.US_ASCII);
            // The JDK encodes EC private keys as PKCS#8, which is what "BEGIN PRIVATE KEY" means.
            Path keyFile = Files.writeString(dir.resolve(stem + ".key.pem"),
                    pem("PRIVATE KEY", privateKey.getEncoded()), StandardCharsets.US_ASCII);
            Path caFile = Files.writeString(dir.resolve(stem + ".ca.pem"),
                    pem("CERTIFICATE", caCertificate.getEncoded()), StandardCharsets.US_ASCII);
            return new PemFiles(chainFile, keyFile, caFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Netty server context presenting this certificate, JDK provider, TLSv1.3 and TLSv1.2. */
    public SslContext serverSslContext() {
        return serverSslContext("TLSv1.3", "TLSv1.2");
    }

    /** A Netty server context presenting this certificate with only the given protocol versions. */
    public SslContext serverSslContext(String... protocols) {
        try {
            return SslContextBuilder.forServer(privateKey, chain.toArray(X509Certificate[]::new))
                    .sslProvider(SslProvider.JDK)
                    .protocols(protocols)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("could not build server SslContext", e);
        }
    }

    static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** Paths written by {@link #writePem}. */
    public record PemFiles(Path certChain, Path privateKey, Path caCertificate) {
    }
}
