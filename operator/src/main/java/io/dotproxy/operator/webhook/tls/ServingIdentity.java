package io.dotproxy.operator.webhook.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key and the certificate chain (leaf first) the webhook presents with it. */
public record ServingIdentity(PrivateKey key, List<X509Certificate> chain) {

  public ServingIdentity {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a serving identity needs a certificate");
    }
    if (!key.getAlgorithm().equals("EC") && !key.getAlgorithm().equals("RSA")) {
      throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm() + "; use an EC or RSA key");
    }
    if (!matches(key, chain.get(0))) {
      throw new IllegalArgumentException("the private key does not belong to the certificate "
          + chain.get(0).getSubjectX500Principal().getName());
    }
  }

  public static ServingIdentity fromPem(String certificatePem, String keyPem) {
    return new ServingIdentity(Pem.privateKey(keyPem), Pem.certificates(certificatePem));
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** Whether the key signs what the certificate's public key verifies (EC and RSA keys). */
  static boolean matches(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
      return false;
    }
    try {
      byte[] probe = "dotproxy key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
