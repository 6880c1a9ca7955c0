package io.dotproxy.operator.webhook.tls;

/** Where the webhook's serving certificate comes from; refreshed periodically, presented without restart. */
public interface CertificateSource {

  /** Looks for a new certificate (renewing it, in operator mode) and presents it from the next handshake on. */
  void refresh();

  /** Whether a certificate is presented, i.e. the webhook can take connections. */
  boolean hasIdentity();
}
