package io.dotproxy.runtime.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class UpstreamQueryTest {

  private static final UpstreamQuery DEFAULTS = new UpstreamQuery(new PrivacySettings(true, true));

  @Test
  void hopByHopOptionsNeverLeaveEvenWithPrivacyOff() throws Exception {
    Message query = query(Name.fromString("cookie.test."));
    List<EDNSOption> options = List.of(new CookieOption(new byte[8]),
        new GenericEDNSOption(EDNSOption.Code.TCP_KEEPALIVE, new byte[] {0, 100}),
        new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]));
    query.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
    UpstreamQuery off = new UpstreamQuery(new PrivacySettings(false, false));
    Message toDot = new Message(off.forDot(query));
    assertThat(toDot.getOPT().getOptions()).as("the proxy's own keepalive request, not the client's")
        .extracting(EDNSOption::getCode).containsExactly(EDNSOption.Code.NSID, EDNSOption.Code.TCP_KEEPALIVE);
    assertThat(toDot.getOPT().getOptions(EDNSOption.Code.TCP_KEEPALIVE).get(0).toWire()).hasSize(4);
    assertThat(off.forPlainDns(query).getOPT().getOptions()).extracting(EDNSOption::getCode)
        .containsExactly(EDNSOption.Code.NSID);
    assertThat(query.getOPT().getOptions()).as("the client's query is untouched").hasSize(3);
  }

  @Test
  void everyDotQueryAsksForKeepaliveWithAnEmptyOptionAndPlainDnsNever() throws Exception {
    for (PrivacySettings settings : List.of(new PrivacySettings(true, true), new PrivacySettings(false, false))) {
      UpstreamQuery upstreamQuery = new UpstreamQuery(settings);
      for (Message query : variants(Name.fromString("keepalive.test."))) {
        List<EDNSOption> keepalive = new Message(upstreamQuery.forDot(query)).getOPT()
            .getOptions(EDNSOption.Code.TCP_KEEPALIVE);
        assertThat(keepalive).as("%s, query %s", settings, query.getOPT()).hasSize(1);
        assertThat(keepalive.get(0).toWire()).as("code 11, length 0 (RFC 7828 section 3.2.1)")
            .containsExactly(0, 11, 0, 0);
        OPTRecord plain = upstreamQuery.forPlainDns(query).getOPT();
        assertThat(plain == null ? List.of() : plain.getOptions(EDNSOption.Code.TCP_KEEPALIVE)).isEmpty();
      }
    }
  }

  @Test
  void padsEveryQueryToAMultipleOf128Bytes() throws Exception {
    for (int nameLength = 1; nameLength <= 240; nameLength++) {
      for (Message query : variants(name(nameLength))) {
        byte[] wire = DEFAULTS.forDot(query);
        assertThat(wire.length % UpstreamQuery.QUERY_BLOCK_SIZE)
            .as("name of %d bytes, query %s", nameLength, query.getOPT())
            .isZero();
        Message sent = new Message(wire);
        assertThat(sent.getQuestion()).isEqualTo(query.getQuestion());
        List<EDNSOption> padding = sent.getOPT().getOptions(EDNSOption.Code.PADDING);
        assertThat(padding).hasSize(1);
        byte[] option = padding.get(0).toWire(); // code, length, then zeros (RFC 7830)
        assertThat(Arrays.copyOfRange(option, 4, option.length)).isEqualTo(new byte[option.length - 4]);
      }
    }
  }

  @Test
  void padsOnlyAsMuchAsNeeded() throws Exception {
    for (int nameLength = 1; nameLength <= 240; nameLength++) {
      Message query = query(name(nameLength));
      int padded = DEFAULTS.forDot(query).length;
      byte[] unpaddedWire = new UpstreamQuery(new PrivacySettings(false, true)).forDot(withOpt(query));
      assertThat(padded).isLessThan(unpaddedWire.length + 4 + UpstreamQuery.QUERY_BLOCK_SIZE);
    }
  }

  @Test
  void addsOptForPaddingWhenTheClientSentNone() throws Exception {
    Message query = query(Name.fromString("example.com."));
    Message sent = new Message(DEFAULTS.forDot(query));
    assertThat(sent.getOPT()).isNotNull();
    assertThat(sent.getOPT().getPayloadSize()).isEqualTo(ResponseShaper.ADVERTISED_UDP_SIZE);
    assertThat(sent.getOPT().getFlags() & ExtendedFlags.DO).isZero();
    assertThat(query.getOPT()).isNull();
  }

  @Test
  void replacesAPaddingOptionTheClientSent() throws Exception {
    Message query = query(Name.fromString("example.com."));
    query.addRecord(new OPTRecord(1232, 0, 0, 0,
        List.of(new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[300]))), Section.ADDITIONAL);
    byte[] wire = DEFAULTS.forDot(query);
    assertThat(wire.length).isEqualTo(UpstreamQuery.QUERY_BLOCK_SIZE);
    assertThat(new Message(wire).getOPT().getOptions(EDNSOption.Code.PADDING)).hasSize(1);
  }

  @Test
  void stripsClientSubnetAndKeepsEndToEndOptions() throws Exception {
    Message query = query(Name.fromString("www.example.com."));
    CookieOption cookie = new CookieOption(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    EDNSOption nsid = new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]);
    query.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO, List.of(cookie,
        new ClientSubnetOption(24, InetAddress.getByName("198.51.100.0")), nsid)),
        Section.ADDITIONAL);
    for (UpstreamQuery rewriter : List.of(DEFAULTS, new UpstreamQuery(new PrivacySettings(false, true)))) {
      OPTRecord sent = new Message(rewriter.forDot(query)).getOPT();
      assertThat(sent.getOptions(EDNSOption.Code.CLIENT_SUBNET)).isEmpty();
      assertThat(sent.getOptions(EDNSOption.Code.COOKIE)).as("hop-by-hop").isEmpty();
      assertThat(sent.getOptions(EDNSOption.Code.NSID)).hasSize(1);
      assertThat(sent.getPayloadSize()).isEqualTo(4096);
      assertThat(sent.getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    }
    OPTRecord plain = DEFAULTS.forPlainDns(query).getOPT();
    assertThat(plain.getOptions(EDNSOption.Code.CLIENT_SUBNET)).isEmpty();
    assertThat(plain.getOptions(EDNSOption.Code.COOKIE)).as("hop-by-hop").isEmpty();
    assertThat(plain.getOptions(EDNSOption.Code.PADDING)).isEmpty();
    assertThat(plain.getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
  }

  @Test
  void keepsClientSubnetWhenToldTo() throws Exception {
    Message query = query(Name.fromString("www.example.com."));
    query.addRecord(new OPTRecord(1232, 0, 0, 0,
        List.of(new ClientSubnetOption(24, InetAddress.getByName("198.51.100.0")))), Section.ADDITIONAL);
    UpstreamQuery keep = new UpstreamQuery(new PrivacySettings(true, false));
    assertThat(new Message(keep.forDot(query)).getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET))
        .hasSize(1);
    assertThat(keep.forPlainDns(query).getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET)).hasSize(1);
  }

  @Test
  void withPrivacyOffOnlyTheKeepaliveRequestIsAdded() throws Exception {
    for (PrivacySettings settings : List.of(new PrivacySettings(false, false), new PrivacySettings(false, true))) {
      UpstreamQuery off = new UpstreamQuery(settings);
      List<Message> queries = settings.stripClientSubnet()
          ? List.of(query(Name.fromString("www.example.com.")))
          : variants(Name.fromString("www.example.com."));
      for (Message query : queries) {
        assertThat(withoutKeepaliveRequest(new Message(off.forDot(query)), query.getOPT() != null).toWire())
            .as("%s, query %s", settings, query.getOPT()).isEqualTo(query.toWire());
      }
    }
  }

  /** {@code sent} without the proxy's keepalive option, and without OPT if the client sent none. */
  private static Message withoutKeepaliveRequest(Message sent, boolean clientUsedEdns) {
    OPTRecord opt = sent.getOPT();
    List<EDNSOption> options = new ArrayList<>(opt.getOptions());
    assertThat(options.removeIf(option -> option.getCode() == EDNSOption.Code.TCP_KEEPALIVE)).isTrue();
    assertThat(options).hasSize(opt.getOptions().size() - 1);
    sent.removeRecord(opt, Section.ADDITIONAL);
    if (clientUsedEdns) {
      sent.addRecord(new OPTRecord(opt.getPayloadSize(), opt.getExtendedRcode(), opt.getVersion(),
          opt.getFlags(), options), Section.ADDITIONAL);
    }
    return sent;
  }

  @Test
  void neverChangesTheClientsMessage() throws Exception {
    for (Message query : variants(Name.fromString("www.example.com."))) {
      byte[] before = query.toWire();
      int id = query.getHeader().getID();
      DEFAULTS.forDot(query);
      Message plain = DEFAULTS.forPlainDns(query);
      plain.getHeader().setID(id ^ 0x5555);
      assertThat(query.toWire()).isEqualTo(before);
      assertThat(query.getHeader().getID()).isEqualTo(id);
    }
  }

  @Test
  void capsTheUdpSizeOfPlainDnsQueries() throws Exception {
    Message big = query(Name.fromString("a.example."));
    big.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    assertThat(DEFAULTS.forPlainDns(big).getOPT().getPayloadSize())
        .isEqualTo(ResponseShaper.ADVERTISED_UDP_SIZE);
    Message small = query(Name.fromString("a.example."));
    small.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
    assertThat(DEFAULTS.forPlainDns(small).getOPT().getPayloadSize()).isEqualTo(512);
    Message none = query(Name.fromString("a.example."));
    assertThat(DEFAULTS.forPlainDns(none).getOPT()).isNull();
  }

  /** The same question without EDNS, with bare EDNS, with ECS, and with a cookie and DO. */
  @Test
  void aPlainQuerysBytesGoUpstreamExactlyAsItsMessageWould() throws Exception {
    List<Message> plain = new ArrayList<>();
    for (String name : new String[] {"a.test.", "MiXeD.CaSe.example.", "x.y.z.very-long-label-for-padding.test."}) {
      for (int flags = 0; flags < 4; flags++) {
        Message query = query(Name.fromString(name));
        if ((flags & 1) == 0) {
          query.getHeader().unsetFlag(org.xbill.DNS.Flags.RD);
        }
        if ((flags & 2) != 0) {
          query.getHeader().setFlag(org.xbill.DNS.Flags.CD);
        }
        plain.add(query);
        plain.add(withOpt(query));
        Message dnssec = query.clone();
        dnssec.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        plain.add(dnssec);
        Message padded = query.clone();
        padded.addRecord(new OPTRecord(1400, 0, 0, 0, List.of(new CookieOption(new byte[8]),
            new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[13]))), Section.ADDITIONAL);
        plain.add(padded);
      }
    }
    for (PrivacySettings settings : List.of(new PrivacySettings(true, true), new PrivacySettings(false, false))) {
      UpstreamQuery upstreamQuery = new UpstreamQuery(settings);
      for (Message query : plain) {
        byte[] packet = query.toWire();
        PlainQuery read = PlainQuery.read(Unpooled.wrappedBuffer(packet));
        assertThat(read).as("a plain query: %s", query).isNotNull();
        assertThat(upstreamQuery.forDot(packet, read)).as("%s, query %s", settings, query)
            .isEqualTo(upstreamQuery.forDot(query));
      }
    }
  }

  private static List<Message> variants(Name name) throws Exception {
    List<Message> queries = new ArrayList<>();
    queries.add(query(name));
    queries.add(withOpt(query(name)));
    Message ecs = query(name);
    ecs.addRecord(new OPTRecord(1232, 0, 0, 0,
        List.of(new ClientSubnetOption(56, InetAddress.getByName("2001:db8:1234:5600::")))),
        Section.ADDITIONAL);
    queries.add(ecs);
    Message nsid = query(name);
    nsid.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO,
        List.of(new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]))), Section.ADDITIONAL);
    queries.add(nsid);
    return queries;
  }

  private static Message withOpt(Message query) {
    Message copy = query.clone();
    copy.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    return copy;
  }

  private static Message query(Name name) {
    Message query = Message.newQuery(Record.newRecord(name, Type.AAAA, DClass.IN));
    query.getHeader().setID(0x1234);
    return query;
  }

  /** An absolute name whose wire form is {@code length + 1} bytes: labels of 'a' of up to 63. */
  private static Name name(int length) throws Exception {
    StringBuilder text = new StringBuilder();
    int left = length;
    while (left > 0) {
      int label = Math.min(63, left - 1);
      if (label == 0) {
        label = 1;
        left = 2;
      }
      text.append("a".repeat(label)).append('.');
      left -= label + 1;
    }
    return Name.fromString(text.toString());
  }
}
