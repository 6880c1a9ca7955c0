package io.dotproxy.operator.config;

/**
 * What became of the spec's trustedCA when the operator looked it up.
 *
 * <p>Looking it up is the only part of rendering that talks to the API server; everything after it is a
 * pure function of the spec and this value.
 */
public sealed interface TrustedCaBundle {

  /** The spec names no trustedCA: the runtime uses the system trust store. */
  record SystemTrustStore() implements TrustedCaBundle {}

  /** The PEM bundle read from the referenced ConfigMap or Secret. */
  record Pem(String pem) implements TrustedCaBundle {}

  /** The reference cannot be resolved; {@code problem} names the object and key for the user. */
  record Unresolved(String problem) implements TrustedCaBundle {}
}
