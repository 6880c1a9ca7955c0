package io.dotproxy.operator.webhook.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External mode: {@code tls.crt} and {@code tls.key} from a mounted directory, e.g. a Secret that
 * cert-manager keeps renewed; the caBundle is then someone else's job (cert-manager's CA injector).
 *
 * <p>The files are read again on every refresh and presented when their contents changed. Reading by
 * path follows the kubelet's {@code ..data} symlink, which the kubelet swaps atomically, so both files
 * always come from the same update. A pair that does not fit together (a tool that writes the two files
 * one after the other) is skipped, the previous certificate stays in use, and the next refresh tries
 * again.
 */
public final class MountedCertificates implements CertificateSource {

  private static final Logger log = LoggerFactory.getLogger(MountedCertificates.class);

  private final Path certificate;
  private final Path key;
  private final ReloadingKeyManager keyManager;
  private byte[] loadedCertificate = new byte[0];
  private byte[] loadedKey = new byte[0];
  private String lastProblem = "";

  public MountedCertificates(Path directory, ReloadingKeyManager keyManager) {
    this.certificate = directory.resolve("tls.crt");
    this.key = directory.resolve("tls.key");
    this.keyManager = keyManager;
  }

  @Override
  public synchronized void refresh() {
    byte[] certificateBytes;
    byte[] keyBytes;
    try {
      certificateBytes = Files.readAllBytes(certificate);
      keyBytes = Files.readAllBytes(key);
    } catch (NoSuchFileException e) {
      problem("webhook certificate file " + e.getFile() + " not found (see --webhook-cert-dir)");
      return;
    } catch (IOException e) {
      problem("cannot read the webhook certificate: " + e);
      return;
    }
    if (Arrays.equals(certificateBytes, loadedCertificate) && Arrays.equals(keyBytes, loadedKey)) {
      return;
    }
    try {
      ServingIdentity identity = ServingIdentity.fromPem(
          new String(certificateBytes, StandardCharsets.US_ASCII), new String(keyBytes, StandardCharsets.US_ASCII));
      keyManager.install(identity);
      loadedCertificate = certificateBytes;
      loadedKey = keyBytes;
      lastProblem = "";
      log.info("webhook presents serving certificate {} from {} (serial {}), valid until {}",
          identity.leaf().getSubjectX500Principal().getName(), certificate,
          identity.leaf().getSerialNumber().toString(16), identity.leaf().getNotAfter().toInstant());
    } catch (IllegalArgumentException e) {
      problem("webhook certificate in " + certificate.getParent() + " not loaded: " + e.getMessage()
          + (keyManager.identity().isPresent() ? "; still presenting the previous one" : ""));
    }
  }

  @Override
  public boolean hasIdentity() {
    return keyManager.identity().isPresent();
  }

  /** Logs a problem once, not on every refresh. */
  private void problem(String message) {
    if (!message.equals(lastProblem)) {
      log.warn(message);
      lastProblem = message;
    }
  }
}
