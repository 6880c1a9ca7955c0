package io.dotproxy.runtime.dns;

/** What the listener does with a packet: resolve it, answer it at once, or drop it. */
public sealed interface DecodedQuery {

  /** A well-formed query to resolve. */
  record Resolve(ClientQuery query) implements DecodedQuery {}

  /** A query that gets an immediate error answer (FORMERR, NOTIMP, BADVERS). */
  record Reply(byte[] wire) implements DecodedQuery {}

  /** Not a query we may answer (too short to have a header, or a response). */
  record Drop(String reason) implements DecodedQuery {}
}
