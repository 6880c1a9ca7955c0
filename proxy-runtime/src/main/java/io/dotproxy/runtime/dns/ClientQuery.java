package io.dotproxy.runtime.dns;

import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;

/**
 * A query as the client sent it: what every answer must echo (ID, question with its exact case,
 * EDNS or not) and how large an answer it can take.
 *
 * @param message the parsed query
 * @param question the question as received, case preserved
 * @param clientOpt the client's OPT record, or null when it did not use EDNS
 * @param maxResponseSize the largest answer the transport allows this client
 * @param trace where stages note what they did, for the query log
 */
public record ClientQuery(
    Message message, Record question, OPTRecord clientOpt, int maxResponseSize, QueryTrace trace) {

  public ClientQuery(Message message, Record question, OPTRecord clientOpt, int maxResponseSize) {
    this(message, question, clientOpt, maxResponseSize, QueryTrace.OFF);
  }

  public ClientQuery traced(QueryTrace newTrace) {
    return new ClientQuery(message, question, clientOpt, maxResponseSize, newTrace);
  }

  /** The smallest UDP payload every DNS client accepts (RFC 1035). */
  public static final int CLASSIC_UDP_SIZE = 512;
  public static final int TCP_MAX_SIZE = 65535;

  /**
   * The largest UDP answer for a client that advertised {@code advertised} bytes (0 without EDNS):
   * at least 512 (RFC 1035), at most {@code udpMaxSize} however much the client claims, because
   * larger datagrams fragment and fragments are dropped by many networks; the client gets TC=1 and
   * asks again over TCP.
   */
  public static int udpLimit(int advertised, int udpMaxSize) {
    return Math.max(CLASSIC_UDP_SIZE, Math.min(advertised, udpMaxSize));
  }

  public int id() {
    return message.getHeader().getID();
  }

  public boolean usesEdns() {
    return clientOpt != null;
  }
}
