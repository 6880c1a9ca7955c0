package io.dotproxy.runtime.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** Answers the proxy makes itself, before {@link ResponseShaper} fits them to the client. */
public final class Responses {

  private Responses() {}

  /** An answer with no records and the given rcode (extended rcodes go into the OPT record). */
  public static Message error(ClientQuery query, int rcode) {
    Header header = new Header(query.id());
    header.setFlag(Flags.QR);
    header.setFlag(Flags.RA);
    if (query.message().getHeader().getFlag(Flags.RD)) {
      header.setFlag(Flags.RD);
    }
    if (query.message().getHeader().getFlag(Flags.CD)) {
      header.setFlag(Flags.CD);
    }
    header.setRcode(rcode & 0xF);
    Message message = new Message();
    message.setHeader(header);
    message.addRecord(query.question(), Section.QUESTION);
    if (rcode > 0xF) {
      message.addRecord(ResponseShaper.responseOpt(query, null, rcode >>> 4), Section.ADDITIONAL);
    }
    return message;
  }

  public static Message servfail(ClientQuery query) {
    return error(query, Rcode.SERVFAIL);
  }
}
