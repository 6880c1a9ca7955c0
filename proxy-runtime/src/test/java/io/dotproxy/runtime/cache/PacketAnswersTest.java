package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The cache's packet path must answer exactly as the full path (decode, resolve, shape) would,
 * byte for byte, and leave every query it cannot answer that way to the full path.
 */
class PacketAnswersTest extends CacheFixture {

  private static final int UDP_MAX_SIZE = ResponseShaper.ADVERTISED_UDP_SIZE;

  static final String ASKED = "WwW.ExAmPle.TEST.";

  static Stream<Arguments> plainQueries() {
    List<Arguments> cases = new ArrayList<>();
    for (int type : new int[] {Type.A, Type.AAAA, Type.TXT}) {
      for (int flags = 0; flags < 8; flags++) {
        boolean rd = (flags & 1) != 0;
        boolean ad = (flags & 2) != 0;
        boolean cd = (flags & 4) != 0;
        cases.add(Arguments.of(type, rd, ad, cd, "none", true));
        cases.add(Arguments.of(type, rd, ad, cd, "edns", true));
        cases.add(Arguments.of(type, rd, ad, cd, "do", false));
        cases.add(Arguments.of(type, rd, ad, cd, "cookie", true));
      }
    }
    cases.add(Arguments.of(Type.A, true, false, false, "padding", true));
    cases.add(Arguments.of(Type.A, true, false, false, "server-cookie", true));
    cases.add(Arguments.of(Type.A, true, false, false, "small-payload", true));
    return cases.stream();
  }

  @ParameterizedTest(name = "type {0} rd={1} ad={2} cd={3} opt={4} udp={5}")
  @MethodSource("plainQueries")
  void answersAPlainQueryExactlyAsTheFullPath(int type, boolean rd, boolean ad, boolean cd,
      String opt, boolean udp) throws Exception {
    next.answer(query -> {
      Message answer = Dns.positive(query, 300);
      answer.getHeader().setFlag(Flags.AD); // as a validating upstream would
      return answer;
    });
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, type, rd, ad, cd, opt, 0x1234);
    prime(cache, query, udp);
    clock.advance(Duration.ofSeconds(7)); // TTLs must be aged the same way on both paths

    Message again = Dns.plainQuery(ASKED, type, rd, ad, cd, opt, 0xBEEF);
    byte[] packetAnswer = cache.answer(buffer(again), udp, UDP_MAX_SIZE);

    assertThat(packetAnswer).isNotNull();
    assertThat(packetAnswer).isEqualTo(fullPath(cache, again, udp));
    Message parsed = parse(packetAnswer);
    assertThat(parsed.getHeader().getID()).isEqualTo(0xBEEF);
    assertThat(parsed.getQuestion().getName().toString()).isEqualTo(ASKED);
    assertThat(parsed.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(293);
  }

  @Test
  void answersNegativeEntriesAsTheFullPath() throws Exception {
    next.answer(query -> Dns.negative(query, Rcode.NXDOMAIN, 600, 60));
    AnswerCache cache = cache();
    prime(cache, Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 1), true);
    clock.advance(Duration.ofSeconds(2));

    Message again = Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 2);
    byte[] packetAnswer = cache.answer(buffer(again), true, UDP_MAX_SIZE);

    assertThat(packetAnswer).isEqualTo(fullPath(cache, again, true));
    assertThat(parse(packetAnswer).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void countsItsHits() throws Exception {
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 1);
    prime(cache, query, true);
    double before = metric("dotproxy_cache_hits");

    cache.answer(buffer(query), true, UDP_MAX_SIZE);

    assertThat(metric("dotproxy_cache_hits")).isEqualTo(before + 1);
  }

  @Test
  void declinesWhatIsNotCached() {
    AnswerCache cache = cache();

    assertThat(cache.answer(buffer(Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 1)), true, UDP_MAX_SIZE)).isNull();
    assertThat(next.calls()).isZero();
  }

  @Test
  void declinesExpiredEntriesSoTheFullPathCanRefreshThem() throws Exception {
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 1);
    prime(cache, query, true);
    clock.advance(Duration.ofSeconds(301));

    assertThat(cache.answer(buffer(query), true, UDP_MAX_SIZE)).isNull();
  }

  @Test
  void declinesAnswersTooLargeForTheClientSoTheFullPathTruncatesThem() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query);
      for (int i = 0; i < 8; i++) {
        answer.addRecord(new TXTRecord(query.question().getName().canonicalize(), DClass.IN, 300,
            "x".repeat(100) + i), Section.ANSWER);
      }
      return answer;
    });
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.TXT, true, false, false, "none", 1);
    prime(cache, query, false);

    assertThat(cache.answer(buffer(query), true, UDP_MAX_SIZE)).isNull(); // 512 bytes without EDNS
    assertThat(cache.answer(buffer(query), false, UDP_MAX_SIZE)).isNotNull(); // TCP takes it whole
  }

  @Test
  void declinesQueriesOfAnyOtherShape() throws Exception {
    AnswerCache cache = cache();
    prime(cache, Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 1), true);
    Message plain = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 2);
    assertThat(cache.answer(buffer(plain), true, UDP_MAX_SIZE)).as("the plain query itself").isNotNull();

    List<byte[]> others = new ArrayList<>();
    others.add(withOption(plain, new ClientSubnetOption(24, Dns.address("192.0.2.0"))));
    others.add(withOption(plain, new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0])));
    others.add(withOption(plain, new GenericEDNSOption(EDNSOption.Code.COOKIE, new byte[5])));
    Message badVersion = plain.clone();
    badVersion.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
    others.add(badVersion.toWire());
    Message twoQuestions = plain.clone();
    twoQuestions.addRecord(Record.newRecord(Dns.name("other.test."), Type.A, DClass.IN),
        Section.QUESTION);
    others.add(twoQuestions.toWire());
    Message notify = plain.clone();
    notify.getHeader().setOpcode(org.xbill.DNS.Opcode.NOTIFY);
    others.add(notify.toWire());
    Message response = plain.clone();
    response.getHeader().setFlag(Flags.QR);
    others.add(response.toWire());
    byte[] wire = plain.toWire();
    others.add(Arrays.copyOf(wire, wire.length + 1)); // trailing garbage
    others.add(Arrays.copyOf(wire, wire.length - 1)); // cut short
    byte[] compressed = Arrays.copyOf(wire, 16);
    compressed[12] = (byte) 0xC0; // a pointer where the name starts
    compressed[13] = 12;
    others.add(compressed);

    for (byte[] other : others) {
      assertThat(cache.answer(Unpooled.wrappedBuffer(other), true, UDP_MAX_SIZE)).isNull();
    }
  }

  @Test
  void readsThePacketFromItsReaderIndexWithoutConsumingIt() throws Exception {
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 7);
    prime(cache, query, true);
    byte[] wire = query.toWire();
    ByteBuf framed = Unpooled.buffer().writeShort(wire.length).writeBytes(wire);
    framed.readShort(); // as the TCP frame decoder leaves it

    byte[] answer = cache.answer(framed, true, UDP_MAX_SIZE);

    assertThat(answer).isEqualTo(fullPath(cache, query, true));
    assertThat(framed.readableBytes()).isEqualTo(wire.length);
  }

  private static byte[] withOption(Message query, EDNSOption option) {
    Message copy = query.clone();
    copy.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(option)), Section.ADDITIONAL);
    return copy.toWire();
  }

  private static ByteBuf buffer(Message query) {
    return Unpooled.wrappedBuffer(query.toWire());
  }

  /** Stores the answer through the full path, as the first client's query does. */
  private void prime(AnswerCache cache, Message query, boolean udp) throws Exception {
    ask(cache, Dns.decode(query, udp));
  }

  /** What the full path sends for {@code query}: decoded, resolved, fitted and shaped. */
  private byte[] fullPath(AnswerCache cache, Message query, boolean udp) throws Exception {
    ClientQuery decoded = Dns.decode(query, udp);
    return ResponseShaper.shape(decoded, ask(cache, decoded));
  }
}
