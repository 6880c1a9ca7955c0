package io.dotproxy.operator.webhook.tls;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigInteger;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of the webhook's TLS server, whose identity can be replaced while it runs.
 *
 * <p>The JDK asks the key manager during every handshake, so a new identity is presented from the next
 * handshake on: no restart, no new server socket. Each installed identity gets its own alias, and the
 * chain and key are looked up by the alias chosen at the start of the handshake, so a handshake that
 * runs while the identity is replaced still gets a matching certificate and key.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

  /** Aliases of recent identities stay resolvable for handshakes that chose them just before a swap. */
  private static final int KEEP = 4;

  static final String EXPIRY_METRIC = "dotproxy.operator.webhook.certificate.expiry.timestamp";

  private final AtomicLong generation = new AtomicLong();
  private final Map<String, ServingIdentity> recent = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ServingIdentity> eldest) {
      return size() > KEEP;
    }
  };
  private final Consumer<ServingIdentity> onRotation;
  private volatile Current current;

  private record Current(String alias, ServingIdentity identity) {}

  public ReloadingKeyManager() {
    this(rotated -> { });
  }

  /** @param onRotation told of each identity that replaces another one, not of the first */
  public ReloadingKeyManager(Consumer<ServingIdentity> onRotation) {
    this.onRotation = onRotation;
  }

  /** Presents this identity from the next handshake on. */
  public void install(ServingIdentity identity) {
    BigInteger serial = identity.leaf().getSerialNumber();
    String alias = "dotproxy-webhook-" + generation.incrementAndGet() + "-" + serial.toString(16);
    synchronized (recent) {
      recent.put(alias, identity);
    }
    Current previous = current;
    current = new Current(alias, identity);
    if (previous != null && !previous.identity().leaf().equals(identity.leaf())) {
      onRotation.accept(identity);
    }
  }

  /**
   * {@code dotproxy_operator_webhook_certificate_expiry_timestamp_seconds}: when the certificate presented
   * now expires (NaN before there is one), for the alert that fires when renewal has stopped working.
   */
  public void registerExpiryMetric(MeterRegistry registry) {
    Gauge.builder(EXPIRY_METRIC, this,
            k -> k.identity().map(i -> i.leaf().getNotAfter().getTime() / 1000.0).orElse(Double.NaN))
        .description("When the webhook's serving certificate expires, in seconds since the epoch")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }

  public Optional<ServingIdentity> identity() {
    Current c = current;
    return c == null ? Optional.empty() : Optional.of(c.identity());
  }

  private String alias(String keyType) {
    Current c = current;
    return c != null && c.identity().key().getAlgorithm().equals(keyType) ? c.alias() : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    ServingIdentity identity = lookup(alias);
    return identity == null ? null : identity.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    ServingIdentity identity = lookup(alias);
    return identity == null ? null : identity.key();
  }

  private ServingIdentity lookup(String alias) {
    if (alias == null) {
      return null;
    }
    synchronized (recent) {
      return recent.get(alias);
    }
  }

  // The webhook never authenticates as a client.

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return null;
  }
}
