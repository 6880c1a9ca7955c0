package io.dotproxy.runtime.crosscheck;

import io.dotproxy.runtime.config.CrossCheckSettings.Compare;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Whether two upstreams' answers to one question say the same thing. Pure functions.
 *
 * <p>What is compared: the rcode, and the answer section as a set of records. A record's identity
 * is dnsjava's {@link Record#equals}: owner name, type, class and the canonical form of its data
 * (RFC 4034 section 6.2), so the order of records, their TTLs and the case of every name are
 * ignored. RRSIGs are left out, because an online signer makes new signatures for every query. The
 * authority and additional sections and the header flags (AD among them) are not compared: they
 * differ between honest resolvers (SOA TTLs, glue, validation) and do not change the answer.
 */
public final class AnswerComparison {

  private static final int MAX_SUMMARY_RECORDS = 8;

  private AnswerComparison() {}

  /** Whether {@code a} and {@code b} give the same answer under {@code mode}. */
  public static boolean agree(Message a, Message b, Compare mode) {
    if (a.getRcode() != b.getRcode()) {
      return false;
    }
    Set<Record> first = compared(a);
    Set<Record> second = compared(b);
    if (first.equals(second)) {
      return true;
    }
    return mode == Compare.OVERLAP && overlap(first, second);
  }

  /**
   * For answers that depend on where the resolver is: every record other than an address is the
   * same, and either the answers share an address (a CDN's pool seen partly) or they have the same
   * CNAME chain (a CDN's name, whose addresses are chosen per location).
   */
  private static boolean overlap(Set<Record> first, Set<Record> second) {
    Set<Record> firstAddresses = addresses(first);
    Set<Record> secondAddresses = addresses(second);
    Set<Record> firstRest = new HashSet<>(first);
    firstRest.removeAll(firstAddresses);
    Set<Record> secondRest = new HashSet<>(second);
    secondRest.removeAll(secondAddresses);
    if (!firstRest.equals(secondRest)) {
      return false;
    }
    boolean viaAlias = firstRest.stream().anyMatch(r -> r.getType() == Type.CNAME || r.getType() == Type.DNAME);
    return viaAlias || !Collections.disjoint(firstAddresses, secondAddresses);
  }

  private static Set<Record> addresses(Set<Record> records) {
    Set<Record> addresses = new HashSet<>();
    for (Record record : records) {
      if (record.getType() == Type.A || record.getType() == Type.AAAA) {
        addresses.add(record);
      }
    }
    return addresses;
  }

  private static Set<Record> compared(Message answer) {
    Set<Record> records = new HashSet<>();
    for (Record record : answer.getSection(Section.ANSWER)) {
      if (record.getType() != Type.RRSIG) {
        records.add(record);
      }
    }
    return records;
  }

  /**
   * One line for the query log: the rcode and the compared records without TTLs, sorted, e.g.
   * {@code NOERROR a.test. A 192.0.2.1}; long answers are cut after a few records.
   */
  public static String summary(Message answer) {
    List<String> records = new ArrayList<>();
    for (Record record : compared(answer)) {
      records.add(record.getName() + " " + Type.string(record.getType()) + " " + record.rdataToString());
    }
    Collections.sort(records);
    StringBuilder line = new StringBuilder(Rcode.string(answer.getRcode()));
    for (int i = 0; i < Math.min(records.size(), MAX_SUMMARY_RECORDS); i++) {
      line.append(i == 0 ? " " : "; ").append(records.get(i));
    }
    if (records.size() > MAX_SUMMARY_RECORDS) {
      line.append("; and ").append(records.size() - MAX_SUMMARY_RECORDS).append(" more");
    }
    return line.toString();
  }
}
