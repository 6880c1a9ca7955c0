package io.dotproxy.runtime.crosscheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Upstream answers written as presentation-format records, for the comparison's tests. */
final class Answers {

  static final String QUESTION = "www.example.test.";

  private Answers() {}

  /** A NOERROR answer to {@code QUESTION A} with these answer records, e.g. {@code "www.example.test. 60 A 192.0.2.1"}. */
  static Message noerror(String... records) {
    return of(Rcode.NOERROR, records);
  }

  static Message of(int rcode, String... records) {
    Message answer = Message.newQuery(Record.newRecord(name(QUESTION), Type.A, DClass.IN));
    answer.getHeader().setFlag(Flags.QR);
    answer.getHeader().setRcode(rcode);
    for (String record : records) {
      answer.addRecord(record(record), Section.ANSWER);
    }
    return answer;
  }

  /** {@code NAME TTL TYPE RDATA}. */
  static Record record(String text) {
    String[] parts = text.split(" ", 4);
    try {
      return Record.fromString(name(parts[0]), Type.value(parts[2]), DClass.IN, Long.parseLong(parts[1]),
          parts[3], Name.root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Name name(String text) {
    try {
      return Name.fromString(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
