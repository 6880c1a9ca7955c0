package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.testing.Metrics;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class AnswerCacheTest extends CacheFixture {

  @Test
  void answersARepeatedQueryFromTheCacheAndCountsIt() throws Exception {
    AnswerCache cache = cache();
    ask(cache, query("www.test.", Type.A));
    Message second = ask(cache, query("www.test.", Type.A));
    assertThat(next.calls()).isEqualTo(1);
    assertThat(second.getSection(Section.ANSWER)).hasSize(1);
    assertThat(metric("dotproxy_cache_hits")).isEqualTo(1);
    assertThat(metric("dotproxy_cache_misses")).isEqualTo(1);
    assertThat(metric("dotproxy_cache_entries")).isEqualTo(1);
  }

  @Test
  void nameCaseDoesNotMatterAndEveryHitCarriesTheClientsIdAndCase() throws Exception {
    AnswerCache cache = cache();
    ask(cache, query("www.example.test.", Type.A));
    ClientQuery mixed = query("WwW.ExAmPlE.TeSt.", Type.A);
    Message shaped = askShaped(cache, mixed);
    assertThat(next.calls()).isEqualTo(1);
    assertThat(shaped.getHeader().getID()).isEqualTo(mixed.id());
    assertThat(shaped.getQuestion().getName().toString()).isEqualTo("WwW.ExAmPlE.TeSt.");
    assertThat(shaped.getSection(Section.ANSWER)).hasSize(1);
  }

  @Test
  void typeAndClassArePartOfTheKey() throws Exception {
    AnswerCache cache = cache();
    List<ClientQuery> distinct = List.of(query("k.test.", Type.A), query("k.test.", Type.AAAA),
        query("k.test.", Type.TXT), query("k.test.", Type.TXT, DClass.CH));
    for (ClientQuery query : distinct) {
      ask(cache, query);
    }
    for (ClientQuery query : distinct) {
      Message answer = ask(cache, query);
      Record record = answer.getSection(Section.ANSWER).get(0);
      assertThat(record.getType()).isEqualTo(query.question().getType());
      assertThat(record.getDClass()).isEqualTo(query.question().getDClass());
    }
    assertThat(next.calls()).isEqualTo(4);
  }

  @Test
  void dnssecOkAndCheckingDisabledBitsMakeSeparateEntries() throws Exception {
    AnswerCache cache = cache();
    for (int round = 0; round < 2; round++) {
      ask(cache, query("sec.test.", Type.A, false, false));
      ask(cache, query("sec.test.", Type.A, true, false));
      ask(cache, query("sec.test.", Type.A, false, true));
      ask(cache, query("sec.test.", Type.A, true, true));
    }
    assertThat(next.calls()).isEqualTo(4);
  }

  @Test
  void ttlsCountDownWithAgeInEverySectionAndTheUpstreamsOptIsNotKept() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query, Dns.a("www.test.", 300, "192.0.2.1"));
      answer.addRecord(Dns.ns("test.", 3600, "ns.test."), Section.AUTHORITY);
      answer.addRecord(Dns.a("ns.test.", 1200, "192.0.2.53"), Section.ADDITIONAL);
      answer.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
      return answer;
    });
    AnswerCache cache = cache();
    ask(cache, query("www.test.", Type.A, true, false));
    clock.advance(Duration.ofMillis(100_900));
    Message aged = ask(cache, query("www.test.", Type.A, true, false));
    assertThat(next.calls()).isEqualTo(1);
    assertThat(aged.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(200);
    assertThat(aged.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(3500);
    assertThat(aged.getSection(Section.ADDITIONAL).get(0).getTTL()).isEqualTo(1100);
    // The upstream's OPT belongs to its hop; every client gets ours from ResponseShaper.
    assertThat(aged.getOPT()).isNull();
  }

  @Test
  void anEntryLivesAsLongAsItsShortestTtlAndNeverShowsANegativeOne() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query, Dns.a("www.test.", 300, "192.0.2.1"));
      answer.addRecord(Dns.a("glue.test.", 5, "192.0.2.53"), Section.ADDITIONAL);
      return answer;
    });
    AnswerCache cache = cache();
    ask(cache, query("www.test.", Type.A));
    clock.advance(Duration.ofMillis(4_999));
    Message last = ask(cache, query("www.test.", Type.A));
    assertThat(last.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(296);
    assertThat(last.getSection(Section.ADDITIONAL).get(0).getTTL()).isEqualTo(1);
    assertThat(next.calls()).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    Message refetched = ask(cache, query("www.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
    assertThat(refetched.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(300);
  }

  @Test
  void ttlsAreRaisedToTheMinimumAndLoweredToTheMaximum() throws Exception {
    CacheSettings clamped =
        new CacheSettings(100, Duration.ofSeconds(60), Duration.ofSeconds(600), Duration.ZERO, false);
    next.answer(query -> Dns.positive(query,
        query.question().getName().toString().startsWith("short") ? 10 : 86_400));
    AnswerCache cache = cache(clamped);
    assertThat(ask(cache, query("short.test.", Type.A)).getSection(Section.ANSWER).get(0).getTTL())
        .isEqualTo(60);
    assertThat(ask(cache, query("long.test.", Type.A)).getSection(Section.ANSWER).get(0).getTTL())
        .isEqualTo(600);
    clock.advance(Duration.ofSeconds(59));
    ask(cache, query("short.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    ask(cache, query("short.test.", Type.A));
    assertThat(next.calls()).isEqualTo(3);
  }

  @Test
  void zeroTtlAnswersAreNotCached() throws Exception {
    next.answer(query -> Dns.positive(query, 0));
    AnswerCache cache = cache();
    ask(cache, query("zero.test.", Type.A));
    ask(cache, query("zero.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
    assertThat(cache.size()).isZero();
  }

  @Test
  void everyCallerGetsItsOwnMessage() throws Exception {
    AnswerCache cache = cache();
    ClientQuery first = query("own.test.", Type.A, true, false);
    ClientQuery second = query("OWN.test.", Type.A, true, false);
    Message a = ask(cache, first);
    Message b = ask(cache, second);
    Message c = ask(cache, second);
    assertThat(a).isNotSameAs(b).isNotSameAs(c);
    assertThat(b).isNotSameAs(c);
    ResponseShaper.shape(second, b); // shaping changes the message it is given
    assertThat(c.getQuestion().getName().toString()).isEqualTo("own.test.");
    assertThat(c.getOPT()).isNull();
    assertThat(parse(ResponseShaper.shape(second, c)).getSection(Section.ANSWER)).hasSize(1);
  }

  @Test
  void eachHitIsFittedToTheClientsTransportWithoutChangingTheEntry() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query);
      for (int i = 1; i <= 40; i++) {
        answer.addRecord(Dns.a("many.test.", 300, "198.51.100." + i), Section.ANSWER);
      }
      return answer;
    });
    AnswerCache cache = cache();
    Message query = Message.newQuery(Record.newRecord(Dns.name("many.test."), Type.A, DClass.IN));
    ClientQuery tcp = Dns.decode(query, false);
    ClientQuery udp = Dns.decode(query, true);
    assertThat(askShaped(cache, tcp).getSection(Section.ANSWER)).hasSize(40);
    Message truncated = askShaped(cache, udp);
    assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(ResponseShaper.shape(udp, ask(cache, udp)).length)
        .isLessThanOrEqualTo(ClientQuery.CLASSIC_UDP_SIZE);
    assertThat(askShaped(cache, tcp).getSection(Section.ANSWER)).hasSize(40);
    assertThat(next.calls()).isEqualTo(1);
  }

  @Test
  void rdEchoesTheClientAdNeedsDoOrAdAndAaIsCleared() throws Exception {
    next.answer(query -> {
      Message answer = Dns.positive(query, 300);
      answer.getHeader().setFlag(Flags.AD);
      answer.getHeader().setFlag(Flags.AA);
      return answer;
    });
    AnswerCache cache = cache();
    ClientQuery askingAd = Dns.decode(withFlag(Message.newQuery(
        Record.newRecord(Dns.name("flags.test."), Type.A, DClass.IN)), Flags.AD));
    Message withAd = ask(cache, askingAd);
    assertThat(withAd.getHeader().getFlag(Flags.AD)).isTrue();
    assertThat(withAd.getHeader().getFlag(Flags.AA)).isFalse();

    Message plain = ask(cache, query("flags.test.", Type.A));
    assertThat(plain.getHeader().getFlag(Flags.AD)).isFalse();
    assertThat(plain.getHeader().getFlag(Flags.RD)).isTrue();

    Message noRecursion = Message.newQuery(Record.newRecord(Dns.name("flags.test."), Type.A, DClass.IN));
    noRecursion.getHeader().unsetFlag(Flags.RD);
    assertThat(ask(cache, Dns.decode(noRecursion)).getHeader().getFlag(Flags.RD)).isFalse();
    assertThat(next.calls()).isEqualTo(1);
  }

  @Test
  void zoneTransfersAndClientSubnetQueriesBypassTheCache() throws Exception {
    next.answer(query -> Dns.answer(query, Dns.soa("test.", 300, 300)));
    AnswerCache cache = cache();
    ask(cache, query("test.", Type.AXFR));
    ask(cache, query("test.", Type.AXFR));
    assertThat(next.calls()).isEqualTo(2);

    next.answer(query -> Dns.positive(query, 300));
    Message withSubnet = Message.newQuery(Record.newRecord(Dns.name("geo.test."), Type.A, DClass.IN));
    withSubnet.addRecord(new OPTRecord(1232, 0, 0, 0,
        List.of(new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0")))), Section.ADDITIONAL);
    ask(cache, Dns.decode(withSubnet));
    ask(cache, Dns.decode(withSubnet));
    assertThat(next.calls()).isEqualTo(4);
    assertThat(cache.size()).isZero();
  }

  @Test
  void answersToAnotherQuestionAreNotCached() throws Exception {
    next.answer(query -> Dns.positive(Dns.query("other.test.", Type.A), 300));
    AnswerCache cache = cache();
    ask(cache, query("asked.test.", Type.A));
    ask(cache, query("asked.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
  }

  @Test
  void sizeZeroLeavesTheStageOutButKeepsTheMetric() {
    ProxyMetrics own = new ProxyMetrics();
    assertThat(AnswerCache.around(next, settings(0), own)).isSameAs(next);
    assertThat(Metrics.value(own, "dotproxy_cache_entries")).isZero();
    assertThat(AnswerCache.around(next, settings(10), new ProxyMetrics())).isInstanceOf(AnswerCache.class);
  }

  /**
   * NSID names the server instance that answered and an Extended DNS Error describes one
   * resolution: both belong to the answer the upstream gave then, not to every later client the
   * cache answers. The entry keeps neither; the one answer that was not cached passes them on.
   */
  @Test
  void perAnswerEdnsOptionsAreNotReplayedFromTheCache() throws Exception {
    next.answer(query -> {
      Message answer = Dns.positive(query, 300);
      answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(
          new GenericEDNSOption(EDNSOption.Code.NSID, "resolver-7".getBytes(StandardCharsets.US_ASCII)),
          new ExtendedErrorCodeOption(ExtendedErrorCodeOption.OTHER, "answered by resolver-7"))),
          Section.ADDITIONAL);
      return answer;
    });
    AnswerCache cache = cache();
    ClientQuery first = query("nsid.test.", Type.A, true, false);
    ClientQuery later = query("nsid.test.", Type.A, true, false);
    askShaped(cache, first);
    Message fromCache = askShaped(cache, later);
    assertThat(next.calls()).isEqualTo(1);
    assertThat(fromCache.getSection(Section.ANSWER)).hasSize(1);
    assertThat(fromCache.getOPT()).as("EDNS is still answered with EDNS").isNotNull();
    assertThat(fromCache.getOPT().getOptions()).isEmpty();
  }

  private static Message withFlag(Message message, int flag) {
    message.getHeader().setFlag(flag);
    return message;
  }
}
