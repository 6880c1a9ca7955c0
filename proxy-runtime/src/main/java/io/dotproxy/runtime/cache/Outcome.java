package io.dotproxy.runtime.cache;

import org.xbill.DNS.Message;

/**
 * How one upstream query for a key ended, shared by every client waiting on it. Nothing in here
 * is handed to a client: each one gets its own copy, because shaping the answer changes it.
 */
sealed interface Outcome {

  /** A cacheable answer, now in the cache. */
  record Stored(byte[] entry) implements Outcome {}

  /** An answer that is not cached (SERVFAIL, REFUSED, truncated, ...), passed on as it is. */
  record Passed(Message message) implements Outcome {}

  /** No answer at all. */
  record Failed(Throwable error) implements Outcome {}
}
