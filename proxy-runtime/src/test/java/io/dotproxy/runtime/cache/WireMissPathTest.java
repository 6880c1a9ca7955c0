package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSIDOption;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * A plain query that misses goes to the stage behind as bytes and is answered from the bytes the
 * upstream sent: the client must get exactly what the message path (decode, resolve, fit, shape)
 * would have sent, and whatever is rare (failures, stale answers, uncacheable or oversized
 * answers, names a stage declines) must still come out as the message path makes it.
 */
class WireMissPathTest extends CacheFixture {

  private static final int UDP_MAX_SIZE = ResponseShaper.ADVERTISED_UDP_SIZE;
  private static final String ASKED = PacketAnswersTest.ASKED;

  @ParameterizedTest(name = "type {0} rd={1} ad={2} cd={3} opt={4} udp={5}")
  @MethodSource("io.dotproxy.runtime.cache.PacketAnswersTest#plainQueries")
  void answersAMissExactlyAsTheMessagePath(int type, boolean rd, boolean ad, boolean cd, String opt,
      boolean udp) throws Exception {
    next.answer(query -> {
      Message answer = Dns.positive(query, 300);
      answer.getHeader().setFlag(Flags.AA);
      answer.getHeader().setFlag(Flags.AD);
      answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new NSIDOption(new byte[] {1, 2}))),
          Section.ADDITIONAL);
      return answer;
    });
    Message query = Dns.plainQuery(ASKED, type, rd, ad, cd, opt, 0xBEEF);

    byte[] onTheWire = await(wirePath(cache(), query, udp));

    assertThat(onTheWire).isEqualTo(messagePath(cache(), query, udp));
    assertThat(next.packetsAsked()).hasSize(1);
    Message parsed = parse(onTheWire);
    assertThat(parsed.getHeader().getID()).isEqualTo(0xBEEF);
    assertThat(parsed.getHeader().getFlag(Flags.AA)).isFalse();
    assertThat(parsed.getQuestion().getName().toString()).isEqualTo(ASKED);
  }

  @Test
  void storesTheAnswerSoTheNextQueryIsAHit() throws Exception {
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 1);
    await(wirePath(cache, query, true));
    clock.advance(Duration.ofSeconds(5));

    byte[] hit = cache.answer(buffer(query), true, UDP_MAX_SIZE);

    assertThat(hit).isNotNull();
    assertThat(parse(hit).getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(295);
    assertThat(next.calls()).isEqualTo(1);
    assertThat(metric("dotproxy_cache_misses")).isEqualTo(1);
  }

  @Test
  void passesUncacheableAnswersOnAsTheMessagePathDoes() throws Exception {
    next.answer(query -> Dns.answer(query, Rcode.REFUSED));
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 7);

    byte[] answer = await(wirePath(cache(), query, true));

    assertThat(answer).isEqualTo(messagePath(cache(), query, true));
    assertThat(parse(answer).getRcode()).isEqualTo(Rcode.REFUSED);
  }

  @Test
  void answersServfailWhenTheUpstreamFails() throws Exception {
    next.fail();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 7);

    Message answer = parse(await(wirePath(cache(), query, true)));

    assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(answer.getHeader().getID()).isEqualTo(7);
  }

  @Test
  void answersStaleWhenTheRefreshOfAnExpiredEntryFails() throws Exception {
    AnswerCache cache = cache(new CacheSettings(1000, Duration.ZERO, Duration.ofDays(1),
        Duration.ofHours(1), false));
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 1);
    await(wirePath(cache, query, true));
    clock.advance(Duration.ofSeconds(400));
    next.fail();

    Message stale = parse(await(wirePath(cache, query, true)));

    assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(stale.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    assertThat(stale.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
        .containsExactly(new ExtendedErrorCodeOption(ExtendedErrorCodeOption.STALE_ANSWER));
  }

  @Test
  void truncatesAnAnswerTooLargeForTheClientAsTheMessagePathDoes() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query);
      for (int i = 0; i < 40; i++) {
        answer.addRecord(new TXTRecord(query.question().getName(), query.question().getDClass(),
            300, "a long enough string to need TCP " + i), Section.ANSWER);
      }
      return answer;
    });
    Message query = Dns.plainQuery(ASKED, Type.TXT, true, false, false, "none", 3);

    byte[] answer = await(wirePath(cache(), query, true));

    assertThat(answer.length).isLessThanOrEqualTo(512);
    assertThat(parse(answer).getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(answer).isEqualTo(messagePath(cache(), query, true));
  }

  @Test
  void oneUpstreamQueryServesEveryoneWaitingOnTheKeyWhicheverPathTheyCameBy() throws Exception {
    next.hold();
    AnswerCache cache = cache();
    List<CompletableFuture<byte[]>> onTheWire = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      onTheWire.add(wirePath(cache, Dns.plainQuery(ASKED, Type.A, true, false, false, "none", id), true));
    }
    ClientQuery decoded = Dns.decode(Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 9));
    CompletableFuture<Message> onTheMessagePath = cache.resolve(decoded, loop());
    next.release();

    for (int i = 0; i < onTheWire.size(); i++) {
      assertThat(parse(await(onTheWire.get(i))).getHeader().getID()).isEqualTo(i + 1);
    }
    assertThat(await(onTheMessagePath).getSection(Section.ANSWER)).hasSize(1);
    assertThat(next.calls()).isEqualTo(1);
    assertThat(metric("dotproxy_coalesced")).isEqualTo(3);
  }

  @Test
  void aNameTheStageBehindDeclinesTakesTheMessagePathAndIsStillAnswered() throws Exception {
    next.declineBytes();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "edns", 5);

    byte[] answer = await(wirePath(cache(), query, true));

    assertThat(next.packetsAsked()).isEmpty();
    assertThat(next.calls()).isEqualTo(1);
    assertThat(answer).isEqualTo(messagePath(cache(), query, true));
  }

  @Test
  void leavesFreshEntriesAndQueriesOfAnyOtherShapeToTheOtherPaths() throws Exception {
    AnswerCache cache = cache();
    Message query = Dns.plainQuery(ASKED, Type.A, true, false, false, "none", 1);
    await(wirePath(cache, query, true));

    assertThat(cache.resolve(buffer(query), true, UDP_MAX_SIZE, loop(), answer -> { })).isFalse();
    Message withSubnet = query.clone();
    withSubnet.addRecord(new OPTRecord(1232, 0, 0, 0,
        List.of(new org.xbill.DNS.ClientSubnetOption(24, java.net.InetAddress.getByName("192.0.2.0")))),
        Section.ADDITIONAL);
    assertThat(cache.resolve(buffer(withSubnet), true, UDP_MAX_SIZE, loop(), answer -> { })).isFalse();
    assertThat(next.calls()).isEqualTo(1);
  }

  /** What the packet path sends for a miss of {@code query}. */
  private static CompletableFuture<byte[]> wirePath(AnswerCache cache, Message query, boolean udp) {
    CompletableFuture<byte[]> answer = new CompletableFuture<>();
    boolean taken = cache.resolve(buffer(query), udp, UDP_MAX_SIZE, loop(), answer::complete);
    assertThat(taken).as("the packet path takes a plain miss").isTrue();
    return answer;
  }

  /** What the message path sends for {@code query}: decoded, resolved, fitted and shaped. */
  private static byte[] messagePath(AnswerCache cache, Message query, boolean udp) throws Exception {
    ClientQuery decoded = Dns.decode(query, udp);
    return ResponseShaper.shape(decoded, ask(cache, decoded));
  }

  private static ByteBuf buffer(Message query) {
    return Unpooled.wrappedBuffer(query.toWire());
  }
}
