package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CacheSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Popular entries are refreshed in the last tenth of their TTL, so clients never see them expire. */
class PrefetchTest extends CacheFixture {

  private static final CacheSettings PREFETCH =
      new CacheSettings(100, Duration.ZERO, Duration.ofDays(1), Duration.ZERO, true);

  @Test
  void aPopularEntryHitNearExpiryIsRefreshedExactlyOnce() throws Exception {
    next.answer(query -> Dns.positive(query, 100));
    AnswerCache cache = cache(PREFETCH);
    for (int i = 0; i <= AnswerCache.PREFETCH_MIN_HITS; i++) {
      ask(cache, query("popular.test.", Type.A));
    }
    clock.advance(Duration.ofSeconds(89));
    ask(cache, query("popular.test.", Type.A)); // not yet in the last tenth
    assertThat(next.calls()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    next.hold(); // the refresh is slow; hits meanwhile must not start more
    for (int i = 0; i < 10; i++) {
      Message hit = ask(cache, query("popular.test.", Type.A));
      assertThat(hit.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(9);
    }
    assertThat(next.calls()).isEqualTo(2);
    assertThat(metric("dotproxy_cache_prefetches")).isEqualTo(1);

    next.release();
    clock.advance(Duration.ofSeconds(20)); // past the old entry's expiry
    Message refreshed = ask(cache, query("popular.test.", Type.A));
    assertThat(refreshed.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(80);
    assertThat(next.calls()).isEqualTo(2);
    assertThat(metric("dotproxy_cache_misses")).isEqualTo(1);
  }

  @Test
  void aRarelyUsedEntryIsNotRefreshed() throws Exception {
    next.answer(query -> Dns.positive(query, 100));
    AnswerCache cache = cache(PREFETCH);
    ask(cache, query("rare.test.", Type.A));
    clock.advance(Duration.ofSeconds(95));
    ask(cache, query("rare.test.", Type.A));
    assertThat(next.calls()).isEqualTo(1);
    assertThat(metric("dotproxy_cache_prefetches")).isZero();
  }

  @Test
  void nothingIsRefreshedWithPrefetchOff() throws Exception {
    next.answer(query -> Dns.positive(query, 100));
    AnswerCache cache = cache(settings(100));
    for (int i = 0; i < 10; i++) {
      ask(cache, query("popular.test.", Type.A));
    }
    clock.advance(Duration.ofSeconds(95));
    ask(cache, query("popular.test.", Type.A));
    assertThat(next.calls()).isEqualTo(1);
  }

  @Test
  void aFailedRefreshLeavesTheEntryInPlace() throws Exception {
    next.answer(query -> Dns.positive(query, 100));
    AnswerCache cache = cache(PREFETCH);
    for (int i = 0; i <= AnswerCache.PREFETCH_MIN_HITS; i++) {
      ask(cache, query("popular.test.", Type.A));
    }
    clock.advance(Duration.ofSeconds(95));
    next.fail();
    Message hit = ask(cache, query("popular.test.", Type.A));
    assertThat(hit.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(5);
    ask(cache, query("popular.test.", Type.A));
    assertThat(next.calls()).isEqualTo(2);
  }
}
