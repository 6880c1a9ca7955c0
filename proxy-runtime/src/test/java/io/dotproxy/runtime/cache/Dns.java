package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** Queries and answers for the cache tests. */
final class Dns {

  private Dns() {}

  static ClientQuery query(String name, int type) {
    return query(name, type, false, false);
  }

  /** A query as the listener decodes it; {@code dnssecOk} adds EDNS with DO. */
  static ClientQuery query(String name, int type, boolean dnssecOk, boolean checkingDisabled) {
    Message message = Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
    if (dnssecOk) {
      message.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
    }
    if (checkingDisabled) {
      message.getHeader().setFlag(Flags.CD);
    }
    return decode(message);
  }

  static ClientQuery query(String name, int type, int dclass) {
    return decode(Message.newQuery(Record.newRecord(name(name), type, dclass)));
  }

  static ClientQuery decode(Message message) {
    return decode(message, true);
  }

  static ClientQuery decode(Message message, boolean udp) {
    DecodedQuery decoded = QueryDecoder.decode(ByteBuffer.wrap(message.toWire()), udp);
    return ((DecodedQuery.Resolve) decoded).query();
  }

  /** The upstream's answer to {@code query}: its question lower-cased, the records given. */
  static Message answer(ClientQuery query, int rcode, Record... answers) {
    Message response = new Message(query.id());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.RD);
    response.getHeader().setFlag(Flags.RA);
    response.getHeader().setRcode(rcode);
    Record question = query.question();
    response.addRecord(Record.newRecord(question.getName().canonicalize(), question.getType(),
        question.getDClass()), Section.QUESTION);
    for (Record record : answers) {
      response.addRecord(record, Section.ANSWER);
    }
    return response;
  }

  static Message answer(ClientQuery query, Record... answers) {
    return answer(query, Rcode.NOERROR, answers);
  }

  /** A positive answer of the asked type (A, AAAA or TXT) with one record of {@code ttl}. */
  static Message positive(ClientQuery query, long ttl) {
    Record question = query.question();
    Name owner = question.getName().canonicalize();
    Record record;
    if (question.getType() == Type.A) {
      record = new ARecord(owner, question.getDClass(), ttl, address("192.0.2.1"));
    } else if (question.getType() == Type.AAAA) {
      record = new AAAARecord(owner, question.getDClass(), ttl, address("2001:db8::1"));
    } else {
      record = new TXTRecord(owner, question.getDClass(), ttl, "cached");
    }
    return answer(query, record);
  }

  /** A negative answer: {@code rcode} with a SOA of the given TTL and MINIMUM in authority. */
  static Message negative(ClientQuery query, int rcode, long soaTtl, long minimum) {
    Message response = answer(query, rcode);
    response.addRecord(soa("test.", soaTtl, minimum), Section.AUTHORITY);
    return response;
  }

  static ARecord a(String name, long ttl, String address) {
    return new ARecord(name(name), DClass.IN, ttl, address(address));
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static NSRecord ns(String zone, long ttl, String server) {
    return new NSRecord(name(zone), DClass.IN, ttl, name(server));
  }

  static SOARecord soa(String zone, long ttl, long minimum) {
    return new SOARecord(name(zone), DClass.IN, ttl, name("ns." + zone), name("hostmaster." + zone),
        2024010101, 3600, 600, 86400, minimum);
  }

  static Name name(String name) {
    try {
      return Name.fromString(name);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * A query of the common shape the packet path takes: {@code opt} is "none", "edns", "do",
   * "small-payload" (EDNS with a 100-byte UDP size), "cookie", "server-cookie" or "padding".
   */
  static Message plainQuery(String asked, int type, boolean rd, boolean ad, boolean cd, String opt,
      int id) {
    Message message = Message.newQuery(Record.newRecord(name(asked), type, DClass.IN));
    message.getHeader().setID(id);
    if (!rd) {
      message.getHeader().unsetFlag(Flags.RD);
    }
    if (ad) {
      message.getHeader().setFlag(Flags.AD);
    }
    if (cd) {
      message.getHeader().setFlag(Flags.CD);
    }
    List<EDNSOption> options = switch (opt) {
      case "cookie" -> List.of(new CookieOption(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
      case "server-cookie" -> List.of(new CookieOption(new byte[8], new byte[16]));
      case "padding" -> List.of(new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[20]));
      default -> List.of();
    };
    switch (opt) {
      case "none" -> { }
      case "do" -> message.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
      case "small-payload" -> message.addRecord(new OPTRecord(100, 0, 0, 0), Section.ADDITIONAL);
      default -> message.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
    }
    return message;
  }
}
