package io.dotproxy.runtime.dns;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Fits an answer to the client that asked: its ID, its question exactly as written, EDNS only if
 * it used EDNS, and no larger than its transport allows (truncated with TC=1 over UDP).
 */
public final class ResponseShaper {

  /** The UDP size we advertise to EDNS clients (the DNS flag day 2020 value). */
  public static final int ADVERTISED_UDP_SIZE = 1232;

  private ResponseShaper() {}

  /**
   * Shapes {@code response} in place and returns its wire form. The caller must own the message:
   * it is changed.
   */
  public static byte[] shape(ClientQuery query, Message response) {
    response.getHeader().setID(query.id());
    echoRecursionDesired(response.getHeader(), query);
    response.removeAllRecords(Section.QUESTION);
    response.addRecord(query.question(), Section.QUESTION);

    OPTRecord upstreamOpt = null;
    for (Record record : new ArrayList<>(response.getSection(Section.ADDITIONAL))) {
      if (record instanceof OPTRecord opt) {
        upstreamOpt = opt;
        response.removeRecord(record, Section.ADDITIONAL);
      }
    }
    if (query.usesEdns()) {
      int extendedRcode = upstreamOpt == null ? 0 : upstreamOpt.getExtendedRcode();
      response.addRecord(responseOpt(query, upstreamOpt, extendedRcode), Section.ADDITIONAL);
    }
    return response.toWire(query.maxResponseSize());
  }

  /**
   * RD belongs to the client: upstreams are always asked with RD=1, and answers shared between
   * clients carry whatever the first asker sent.
   */
  public static void echoRecursionDesired(Header header, ClientQuery query) {
    if (query.message().getHeader().getFlag(Flags.RD)) {
      header.setFlag(Flags.RD);
    } else {
      header.unsetFlag(Flags.RD);
    }
  }

  /**
   * Our OPT record for a client: our own UDP size, the client's DO bit, and the upstream's
   * end-to-end options only (cookies, keepalive and padding belong to the upstream hop).
   */
  static OPTRecord responseOpt(ClientQuery query, OPTRecord upstreamOpt, int extendedRcode) {
    int flags = query.clientOpt() != null ? query.clientOpt().getFlags() & ExtendedFlags.DO : 0;
    List<EDNSOption> options = new ArrayList<>();
    if (upstreamOpt != null) {
      for (EDNSOption option : upstreamOpt.getOptions()) {
        if (isEndToEnd(option.getCode())) {
          options.add(option);
        }
      }
    }
    return new OPTRecord(ADVERTISED_UDP_SIZE, extendedRcode, 0, flags, options);
  }

  private static boolean isEndToEnd(int code) {
    return code != EDNSOption.Code.COOKIE
        && code != EDNSOption.Code.TCP_KEEPALIVE
        && code != EDNSOption.Code.PADDING;
  }
}
