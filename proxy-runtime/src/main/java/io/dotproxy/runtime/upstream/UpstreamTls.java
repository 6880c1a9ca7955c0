package io.dotproxy.runtime.upstream;

import io.dotproxy.runtime.config.UpstreamSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS towards one upstream (RFC 7858): TLS 1.3 or 1.2, SNI with the TLS name, the chain verified
 * against the trust store and the name (or IP) verified against the certificate, always; SPKI pins
 * on top when configured. One context per upstream so that its client session cache gives TLS
 * session resumption on reconnects.
 */
public final class UpstreamTls {

  private final SslContext context;
  private final UpstreamSpec spec;
  private final Set<String> pins;

  UpstreamTls(UpstreamSpec spec, Optional<Path> caFile) throws SSLException {
    SslContextBuilder builder = SslContextBuilder.forClient()
        .sslProvider(provider())
        .protocols("TLSv1.3", "TLSv1.2")
        .endpointIdentificationAlgorithm("HTTPS");
    if (caFile.isPresent()) {
      File file = caFile.get().toFile();
      builder.trustManager(file);
    }
    this.context = builder.build();
    this.spec = spec;
    this.pins = Set.copyOf(spec.spkiPins());
  }

  /**
   * BoringSSL (netty-tcnative) where its native library loads: in bench/, the JDK's AES-GCM on
   * DNS-sized records took about a third of the CPU of every cache miss. Certificates are checked
   * by the same JDK trust manager with either provider, so trust and name checks do not change.
   */
  static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /**
   * The JDK's root certificates ({@code sun.security.util.AnchorCertificates}), read from
   * {@code cacerts} once per process, the first time a certificate chain is validated: whatever
   * the trust store, the JDK's certificate path checks ask whether the chain ends at one of its own
   * roots. The first upstream handshake otherwise spent about 53 ms of its 82 ms of validation
   * parsing them, on the event loop, while queries waited ({@code -Xlog:class+load}). Loading the
   * class here lets the start-up's spare thread do it: the first answer came 10-15 ms sooner in
   * bench/run {@code --startup-only} (medians of 9 starts, A/B twice; the spare thread shares the
   * two cores with the JIT). A JDK without this class reads them during the first handshake.
   */
  public static void loadTlsAhead() {
    providerName();
    try {
      Class.forName("sun.security.util.AnchorCertificates", true, null);
    } catch (ClassNotFoundException | LinkageError notThisJdk) {
      // nothing to do ahead: the first validation takes its usual time
    }
  }

  /** For the startup line: which TLS implementation the upstream connections use. */
  public static String providerName() {
    return provider() == SslProvider.OPENSSL ? OpenSsl.versionString() : "JDK";
  }

  /** A handler whose peer name drives both SNI and hostname verification. */
  SslHandler newHandler(ByteBufAllocator alloc, long handshakeTimeoutMillis) {
    SslHandler handler = context.newHandler(alloc, spec.verifiedName(), spec.port());
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return handler;
  }

  /** Checks the pins after the chain and name verified; any certificate in the chain may match. */
  void verifyPins(SSLSession session) throws SSLPeerUnverifiedException {
    if (pins.isEmpty()) {
      return;
    }
    for (Certificate certificate : session.getPeerCertificates()) {
      if (pins.contains(spkiPin(certificate))) {
        return;
      }
    }
    throw new SSLPeerUnverifiedException("no certificate matches the configured SPKI pins");
  }

  static String spkiPin(Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }

}
