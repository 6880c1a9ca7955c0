package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Answers that say something about the path rather than the name are passed on, not kept. */
class UncacheableTest extends CacheFixture {

  @ParameterizedTest
  @ValueSource(ints = {Rcode.SERVFAIL, Rcode.REFUSED, Rcode.FORMERR, Rcode.NOTIMP})
  void errorAnswersAreNotCached(int rcode) throws Exception {
    next.answer(query -> Dns.negative(query, rcode, 300, 300));
    AnswerCache cache = cache();
    assertThat(ask(cache, query("err.test.", Type.A)).getRcode()).isEqualTo(rcode);
    assertThat(ask(cache, query("err.test.", Type.A)).getRcode()).isEqualTo(rcode);
    assertThat(next.calls()).isEqualTo(2);
    assertThat(cache.size()).isZero();
  }

  @Test
  void truncatedAnswersAreNotCached() throws Exception {
    next.answer(query -> {
      Message answer = Dns.positive(query, 300);
      answer.getHeader().setFlag(Flags.TC);
      return answer;
    });
    AnswerCache cache = cache();
    assertThat(ask(cache, query("big.test.", Type.TXT)).getHeader().getFlag(Flags.TC)).isTrue();
    ask(cache, query("big.test.", Type.TXT));
    assertThat(next.calls()).isEqualTo(2);
    assertThat(cache.size()).isZero();
  }

  @Test
  void aFailedUpstreamFailsTheQueryWhenNothingIsCached() {
    next.fail();
    AnswerCache cache = cache();
    assertThat(cache.resolve(query("down.test.", Type.A), loop()))
        .failsWithin(java.time.Duration.ofSeconds(WAIT_SECONDS));
  }
}
