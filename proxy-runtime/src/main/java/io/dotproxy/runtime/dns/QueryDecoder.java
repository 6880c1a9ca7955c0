package io.dotproxy.runtime.dns;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Checks an incoming packet and decides how to answer it (RFC 1035, RFC 6891). */
public final class QueryDecoder {

  private static final int HEADER_LENGTH = 12;
  private static final int QR_BIT = 0x8000;

  private QueryDecoder() {}

  /** {@link #decode(ByteBuffer, boolean, int)} with the DNS Flag Day cap on UDP answers. */
  public static DecodedQuery decode(ByteBuffer wire, boolean udp) {
    return decode(wire, udp, ResponseShaper.ADVERTISED_UDP_SIZE);
  }

  /**
   * @param wire the packet
   * @param udp whether it came over UDP, which limits the answer to the client's EDNS size
   * @param udpMaxSize the largest UDP answer whatever the client advertises ({@code udp-max-size})
   */
  public static DecodedQuery decode(ByteBuffer wire, boolean udp, int udpMaxSize) {
    if (wire.remaining() < HEADER_LENGTH) {
      return new DecodedQuery.Drop("shorter than a DNS header");
    }
    int start = wire.position();
    int id = Short.toUnsignedInt(wire.getShort(start));
    int flags = Short.toUnsignedInt(wire.getShort(start + 2));
    if ((flags & QR_BIT) != 0) {
      // Answering a response could start a loop between two resolvers.
      return new DecodedQuery.Drop("a response, not a query");
    }
    Message message;
    try {
      message = new Message(wire);
    } catch (IOException | RuntimeException e) {
      return new DecodedQuery.Reply(headerOnlyError(id, flags, Rcode.FORMERR));
    }
    Header header = message.getHeader();
    if (header.getOpcode() != Opcode.QUERY) {
      return new DecodedQuery.Reply(headerOnlyError(id, flags, Rcode.NOTIMP));
    }
    if (header.getCount(Section.QUESTION) != 1) {
      return new DecodedQuery.Reply(headerOnlyError(id, flags, Rcode.FORMERR));
    }
    Record question = message.getQuestion();
    OPTRecord opt = null;
    for (Record record : message.getSection(Section.ADDITIONAL)) {
      if (record instanceof OPTRecord found) {
        if (opt != null) {
          return new DecodedQuery.Reply(headerOnlyError(id, flags, Rcode.FORMERR));
        }
        opt = found;
      }
    }
    int maxSize = udp ? ClientQuery.udpLimit(opt == null ? 0 : opt.getPayloadSize(), udpMaxSize)
        : ClientQuery.TCP_MAX_SIZE;
    ClientQuery query = new ClientQuery(message, question, opt, maxSize);
    if (opt != null && opt.getVersion() != 0) {
      return new DecodedQuery.Reply(ResponseShaper.shape(query, Responses.error(query, Rcode.BADVERS)));
    }
    return new DecodedQuery.Resolve(query);
  }

  /** An error answer that needs nothing but the header, for packets we could not parse. */
  static byte[] headerOnlyError(int id, int queryFlags, int rcode) {
    Header header = new Header(id);
    header.setFlag(Flags.QR);
    header.setOpcode((queryFlags >> 11) & 0xF);
    if ((queryFlags & 0x0100) != 0) {
      header.setFlag(Flags.RD);
    }
    header.setRcode(rcode);
    Message message = new Message();
    message.setHeader(header);
    return message.toWire();
  }
}
