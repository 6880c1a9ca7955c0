package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** RFC 8767: expired answers stand in while the upstream cannot answer. */
class ServeStaleTest extends CacheFixture {

  private static final Duration WINDOW = Duration.ofHours(1);
  private static final CacheSettings STALE =
      new CacheSettings(100, Duration.ZERO, Duration.ofDays(1), WINDOW, false);

  @Test
  void anExpiredEntryAnswersWhenTheUpstreamFails() throws Exception {
    AnswerCache cache = expiredWithTheUpstreamFailing("www.test.");
    Message stale = ask(cache, query("www.test.", Type.A));
    assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(stale.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    assertThat(metric("dotproxy_cache_stale_answers")).isEqualTo(1);
    // DO=1 is another key, with nothing stale to give.
    assertThat(cache.resolve(query("www.test.", Type.A, true, false), loop()))
        .failsWithin(Duration.ofSeconds(WAIT_SECONDS));
  }

  /**
   * RFC 8767 section 4's failure recheck timer: once a refresh failed, the name is answered stale
   * without asking the upstream again for 30 s, so a failing upstream is not sent a query for every
   * stale answer.
   */
  @Test
  void afterAFailedRefreshStaleAnswersDoNotAskTheUpstreamAgainFor30Seconds() throws Exception {
    AnswerCache cache = expiredWithTheUpstreamFailing("www.test.");
    assertThat(ask(cache, query("www.test.", Type.A)).getSection(Section.ANSWER)).hasSize(1);
    assertThat(next.calls()).isEqualTo(2);

    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(5));
      Message stale = ask(cache, query("www.test.", Type.A));
      assertThat(stale.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    }
    assertThat(next.calls()).as("no upstream query within the recheck time").isEqualTo(2);
    assertThat(metric("dotproxy_cache_stale_answers")).isEqualTo(6);

    clock.advance(Duration.ofSeconds(6)); // 31 s after the failure
    next.answer(query -> Dns.positive(query, 300));
    Message fresh = ask(cache, query("www.test.", Type.A));
    assertThat(fresh.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(300);
    assertThat(next.calls()).isEqualTo(3);
  }

  @Test
  void aStaleAnswerTellsEdnsClientsItIsStale() throws Exception {
    AnswerCache cache = cache(STALE);
    ClientQuery edns = query("www.test.", Type.A, true, false);
    ask(cache, edns);
    clock.advance(Duration.ofSeconds(301));
    next.fail();
    Message shaped = parse(ResponseShaper.shape(edns, ask(cache, edns)));
    assertThat(shaped.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    assertThat(shaped.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
        .extracting(option -> ((ExtendedErrorCodeOption) option).getErrorCode())
        .containsExactly(ExtendedErrorCodeOption.STALE_ANSWER);
  }

  @Test
  void aStaleNxdomainSaysSo() throws Exception {
    next.answer(query -> Dns.negative(query, Rcode.NXDOMAIN, 60, 60));
    AnswerCache cache = cache(STALE);
    ClientQuery edns = query("gone.test.", Type.A, true, false);
    ask(cache, edns);
    clock.advance(Duration.ofSeconds(61));
    next.fail();
    Message shaped = parse(ResponseShaper.shape(edns, ask(cache, edns)));
    assertThat(shaped.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(shaped.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    assertThat(shaped.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
        .extracting(option -> ((ExtendedErrorCodeOption) option).getErrorCode())
        .containsExactly(ExtendedErrorCodeOption.STALE_NXDOMAIN_ANSWER);
  }

  @Test
  void anExpiredEntryAnswersInsteadOfServfail() throws Exception {
    AnswerCache cache = cache(STALE);
    ask(cache, query("www.test.", Type.A));
    clock.advance(Duration.ofMinutes(30));
    next.answer(query -> Dns.answer(query, Rcode.SERVFAIL));
    Message stale = ask(cache, query("www.test.", Type.A));
    assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(stale.getSection(Section.ANSWER)).hasSize(1);
    assertThat(next.calls()).isEqualTo(2);
  }

  @Test
  void theUpstreamIsAskedAgainWhileStaleAndItsAnswerReplacesTheEntry() throws Exception {
    AnswerCache cache = cache(STALE);
    ask(cache, query("www.test.", Type.A));
    clock.advance(Duration.ofSeconds(301));
    next.answer(query -> Dns.answer(query, new ARecord(Dns.name("www.test."), 1, 300,
        Dns.address("192.0.2.99"))));
    Message fresh = ask(cache, query("www.test.", Type.A));
    assertThat(address(fresh)).isEqualTo("192.0.2.99");
    assertThat(fresh.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(300);
    assertThat(metric("dotproxy_cache_stale_answers")).isZero();
  }

  @Test
  void nothingIsServedAfterTheWindow() throws Exception {
    AnswerCache cache = cache(STALE);
    ask(cache, query("www.test.", Type.A));
    clock.advance(Duration.ofSeconds(300).plus(WINDOW));
    next.answer(query -> Dns.answer(query, Rcode.SERVFAIL));
    assertThat(ask(cache, query("www.test.", Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    next.fail();
    assertThat(cache.resolve(query("www.test.", Type.A), loop()))
        .failsWithin(Duration.ofSeconds(WAIT_SECONDS));
    assertThat(cache.size()).isZero();
  }

  @Test
  void withServeStaleOffExpiredEntriesAreGone() throws Exception {
    AnswerCache cache = cache();
    ask(cache, query("www.test.", Type.A));
    clock.advance(Duration.ofSeconds(300));
    assertThat(cache.size()).isZero();
    next.answer(query -> Dns.answer(query, Rcode.SERVFAIL));
    assertThat(ask(cache, query("www.test.", Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(metric("dotproxy_cache_stale_answers")).isZero();
  }

  @Test
  void aSlowUpstreamGetsAStaleAnswerOutAndStillRefreshesTheEntry() throws Exception {
    AnswerCache cache = new AnswerCache(next, STALE, metrics, clock, Duration.ofMillis(20));
    ask(cache, query("slow.test.", Type.A));
    clock.advance(Duration.ofSeconds(301));
    next.hold();
    Message stale = ask(cache, query("slow.test.", Type.A)); // answered by the timer
    assertThat(stale.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
    assertThat(next.calls()).isEqualTo(2);

    next.answer(query -> Dns.answer(query, new ARecord(Dns.name("slow.test."), 1, 300,
        Dns.address("192.0.2.77"))));
    next.release(); // the upstream answers late; its answer still goes into the cache
    Message fresh = ask(cache, query("slow.test.", Type.A));
    assertThat(address(fresh)).isEqualTo("192.0.2.77");
    assertThat(next.calls()).isEqualTo(2);
  }

  private static String address(Message message) {
    Record record = message.getSection(Section.ANSWER).get(0);
    return ((ARecord) record).getAddress().getHostAddress();
  }

  /** A cache whose entry for {@code name} A has just expired, and an upstream that fails from now on. */
  private AnswerCache expiredWithTheUpstreamFailing(String name) throws Exception {
    AnswerCache cache = cache(STALE);
    ask(cache, query(name, Type.A));
    clock.advance(Duration.ofSeconds(301));
    next.fail();
    return cache;
  }
}
