package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    private static final TestPki PKI = TestPki.newCa();

    @TempDir
    Path dir;

    @Test
    void issuedCertificateCarriesDnsAndIpNamesAndChainsToTheCa() throws Exception {
        Issued issued = PKI.issue();
        X509Certificate leaf = issued.certificate();

        List<String> names = leaf.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList();
        assertThat(names).containsExactlyInAnyOrder("dot.test", "127.0.0.1", "0:0:0:0:0:0:0:1");
        leaf.verify(PKI.caCertificate().getPublicKey());
        leaf.checkValidity();
        assertThat(issued.chain()).containsExactly(leaf, PKI.caCertificate());
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void expiredCertificateIsExpired() {
        X509Certificate expired = PKI.issue(TestPki.Validity.expired(), "dot.test").certificate();
        assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void unrelatedCaAndSelfSignedDoNotChainToTheCa() {
        X509Certificate foreign = TestPki.newCa("other CA").issue("dot.test").certificate();
        Issued selfSigned = TestPki.selfSigned("dot.test", "127.0.0.1");

        assertThatThrownBy(() -> foreign.verify(PKI.caCertificate().getPublicKey())).isInstanceOf(Exception.class);
        assertThat(selfSigned.chain()).hasSize(1);
        assertThat(selfSigned.caCertificate()).isEqualTo(selfSigned.certificate());
    }

    @Test
    void pemFilesPassOpensslVerifyAndPinMatchesOpenssl() throws Exception {
        Issued issued = PKI.issue();
        Issued.PemFiles pem = issued.writePem(dir);

        // The same files Unbound and the runtime's --ca-file read.
        assertThat(run("openssl", "verify", "-CAfile", pem.caCertificate().toString(), pem.certChain().toString()))
                .contains(": OK");
        assertThat(run("openssl", "pkey", "-in", pem.privateKey().toString(), "-noout", "-text")).contains("prime256v1");
        String opensslPin = run("sh", "-c", "openssl x509 -in " + pem.certChain() + " -pubkey -noout"
                + " | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64").trim();
        assertThat(issued.spkiPin()).isEqualTo(opensslPin).isEqualTo(TestPki.spkiPin(issued.certificate()));
    }

    @Test
    void selfSignedPemIsItsOwnTrustAnchorForOpenssl() throws Exception {
        Issued.PemFiles pem = TestPki.selfSigned("dot.test").writePem(dir);
        assertThat(run("openssl", "verify", "-CAfile", pem.caCertificate().toString(), pem.certChain().toString()))
                .contains(": OK");
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
