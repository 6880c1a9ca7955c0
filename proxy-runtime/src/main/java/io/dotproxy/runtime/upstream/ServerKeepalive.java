package io.dotproxy.runtime.upstream;

import io.dotproxy.runtime.dns.WireRecordWalk;
import java.time.Duration;

/**
 * EDNS TCP keepalive (RFC 7828) as the upstream tells it. Every query to an upstream asks for it
 * with an empty option ({@code UpstreamQuery}); a server that supports it answers with how long it
 * keeps an idle connection, in units of 100 ms. A connection is then closed a little before the
 * server would close it, so that no query is written into a connection the server is closing.
 */
final class ServerKeepalive {

  /** The answer carries no edns-tcp-keepalive option with a timeout (or none we could read). */
  static final int ABSENT = -1;

  /** RFC 7828: the option's TIMEOUT counts units of 100 milliseconds. */
  static final long MILLIS_PER_UNIT = 100;

  /**
   * The most we close ahead of the server. The server counts idle time from its last write, we from
   * our last read, half a round trip later; and our close must reach it before its own timer fires.
   * A second covers the longest round trips and the coarse timers servers use for idle connections.
   */
  static final Duration MAX_MARGIN = Duration.ofSeconds(1);

  private static final int OPT = 41;
  private static final int TCP_KEEPALIVE = 11;
  private static final int TIMEOUT_LENGTH = 2;

  private ServerKeepalive() {}

  /**
   * The TIMEOUT of the answer's edns-tcp-keepalive option, or {@link #ABSENT}. Read from the wire
   * without decoding the message. An option of another length than two bytes is malformed and
   * counts as absent, as does a message that cannot be walked.
   */
  static int timeoutIn(byte[] answer) {
    if (answer.length < WireRecordWalk.HEADER_LENGTH || WireRecordWalk.readShort(answer, 10) == 0) {
      return ABSENT; // no additional records, so no OPT record
    }
    int[] timeout = {ABSENT};
    WireRecordWalk.walk(answer, (section, type, ttlOffset, rdata, rdataLength) -> {
      if (type != OPT) {
        return true;
      }
      timeout[0] = timeoutInOptions(answer, rdata, rdata + rdataLength);
      return false;
    });
    return timeout[0];
  }

  private static int timeoutInOptions(byte[] answer, int pos, int end) {
    while (pos + 4 <= end) {
      int code = WireRecordWalk.readShort(answer, pos);
      int length = WireRecordWalk.readShort(answer, pos + 2);
      if (code == TCP_KEEPALIVE) {
        return length == TIMEOUT_LENGTH && pos + 4 + length <= end ? WireRecordWalk.readShort(answer, pos + 4) : ABSENT;
      }
      pos += 4 + length;
    }
    return ABSENT;
  }

  /**
   * How long a connection may stay idle when the server keeps idle connections for {@code timeout}
   * (positive, in units of 100 ms) and we would keep them for {@code ours}: a quarter of the
   * server's time, at most {@link #MAX_MARGIN}, before the server's timer fires, and never longer
   * than our own limit.
   */
  static long idleMillis(int timeout, Duration ours) {
    long server = timeout * MILLIS_PER_UNIT;
    long margin = Math.min(MAX_MARGIN.toMillis(), server / 4);
    return Math.min(ours.toMillis(), server - margin);
  }
}
