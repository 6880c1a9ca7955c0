package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CacheSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** RFC 2308: NXDOMAIN and NODATA answers, cached for the SOA's negative TTL. */
class NegativeCachingTest extends CacheFixture {

  /** A minimum TTL of 5 minutes, which must not stretch negative answers. */
  private static final CacheSettings RAISING =
      new CacheSettings(100, Duration.ofMinutes(5), Duration.ofDays(1), Duration.ZERO, false);

  @Test
  void nxdomainLivesForTheSoaMinimumWhenThatIsSmaller() throws Exception {
    next.answer(query -> Dns.negative(query, Rcode.NXDOMAIN, 3600, 120));
    AnswerCache cache = cache(RAISING);
    ask(cache, query("gone.test.", Type.A));
    clock.advance(Duration.ofSeconds(10));
    Message cached = ask(cache, query("gone.test.", Type.A));
    assertThat(cached.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(cached.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(110);
    clock.advance(Duration.ofSeconds(109));
    ask(cache, query("gone.test.", Type.A));
    assertThat(next.calls()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    ask(cache, query("gone.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
  }

  @Test
  void nxdomainLivesForTheSoaTtlWhenThatIsSmaller() throws Exception {
    next.answer(query -> Dns.negative(query, Rcode.NXDOMAIN, 30, 900));
    AnswerCache cache = cache(RAISING);
    Message first = ask(cache, query("gone.test.", Type.A));
    assertThat(first.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(30);
    clock.advance(Duration.ofSeconds(30));
    ask(cache, query("gone.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
  }

  @Test
  void nodataIsCachedPerType() throws Exception {
    next.answer(query -> query.question().getType() == Type.AAAA
        ? Dns.negative(query, Rcode.NOERROR, 600, 60)
        : Dns.positive(query, 300));
    AnswerCache cache = cache();
    ask(cache, query("v4only.test.", Type.AAAA));
    ask(cache, query("v4only.test.", Type.A));
    Message nodata = ask(cache, query("v4only.test.", Type.AAAA));
    Message positive = ask(cache, query("v4only.test.", Type.A));
    assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
    assertThat(positive.getSection(Section.ANSWER)).hasSize(1);
    assertThat(next.calls()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(60));
    ask(cache, query("v4only.test.", Type.AAAA));
    ask(cache, query("v4only.test.", Type.A));
    assertThat(next.calls()).isEqualTo(3);
  }

  @Test
  void aCnameToNoDataIsNegativeAndLivesForTheShorterOfBoth() throws Exception {
    next.answer(query -> {
      Message answer = Dns.negative(query, Rcode.NOERROR, 3600, 60);
      answer.addRecord(new CNAMERecord(Dns.name("alias.test."), DClass.IN, 300,
          Dns.name("target.test.")), Section.ANSWER);
      return answer;
    });
    AnswerCache cache = cache();
    ask(cache, query("alias.test.", Type.AAAA));
    clock.advance(Duration.ofSeconds(59));
    Message cached = ask(cache, query("alias.test.", Type.AAAA));
    assertThat(cached.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(241);
    assertThat(next.calls()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    ask(cache, query("alias.test.", Type.AAAA));
    assertThat(next.calls()).isEqualTo(2);
  }

  @Test
  void negativeAnswersWithoutSoaAreNotCached() throws Exception {
    next.answer(query -> Dns.answer(query, Rcode.NXDOMAIN));
    AnswerCache cache = cache();
    ask(cache, query("nosoa.test.", Type.A));
    ask(cache, query("nosoa.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);

    // A referral: no answer, NS records and no SOA in authority.
    next.answer(query -> {
      Message referral = Dns.answer(query, Rcode.NOERROR);
      referral.addRecord(Dns.ns("test.", 3600, "ns.test."), Section.AUTHORITY);
      return referral;
    });
    ask(cache, query("referral.test.", Type.A));
    ask(cache, query("referral.test.", Type.A));
    assertThat(next.calls()).isEqualTo(4);
    assertThat(cache.size()).isZero();
  }
}
