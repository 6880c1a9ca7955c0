package io.dotproxy.operator.webhook;

/** Where the webhook's serving certificate comes from. */
public enum CertMode {
  /** The operator keeps its own CA and serving certificate in a Secret and the caBundle in step. */
  OPERATOR,
  /** Someone else (cert-manager) writes tls.crt/tls.key into a mounted directory and sets the caBundle. */
  EXTERNAL
}
