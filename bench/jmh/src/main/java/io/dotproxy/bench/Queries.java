package io.dotproxy.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** The messages the benchmarks send: a typical stub query and its upstream answer. */
final class Queries {

  private Queries() {}

  /** An A query with EDNS (1232, DO off), as glibc with {@code options edns0} or kdig send it. */
  static Message query(String name) {
    Message query = Message.newQuery(Record.newRecord(name(name), Type.A, DClass.IN));
    query.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
    return query;
  }

  /** The upstream's answer: two A records with a TTL of an hour, EDNS echoed. */
  static Message answer(Message query) {
    Message answer = new Message(query.getHeader().getID());
    answer.getHeader().setFlag(Flags.QR);
    answer.getHeader().setFlag(Flags.RD);
    answer.getHeader().setFlag(Flags.RA);
    Record question = query.getQuestion();
    answer.addRecord(question, Section.QUESTION);
    answer.addRecord(new ARecord(question.getName(), DClass.IN, 3600, address("192.0.2.1")),
        Section.ANSWER);
    answer.addRecord(new ARecord(question.getName(), DClass.IN, 3600, address("192.0.2.2")),
        Section.ANSWER);
    answer.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
    return answer;
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Name name(String name) {
    try {
      return Name.fromString(name);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
