package io.dotproxy.runtime.upstream;

/** Why an upstream gave no answer; the router fails over on any of these. */
public final class UpstreamException extends Exception {

  /** What went wrong, which decides retry and health accounting. */
  public enum Kind {
    /** No answer within the attempt's time. */
    TIMEOUT,
    /** TCP connect or TLS handshake failed, or the certificate or pin did not verify. */
    CONNECT,
    /** The connection closed before the answer came; safe to retry, DNS queries are idempotent. */
    CLOSED,
    /** Every connection is at its in-flight limit; memory stays bounded rather than queueing. */
    BUSY,
    /** The upstream sent something that is not a DNS answer to our question. */
    PROTOCOL
  }

  private final Kind kind;

  public UpstreamException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
