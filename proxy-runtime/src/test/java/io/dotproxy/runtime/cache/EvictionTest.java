package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** The cache holds at most its size in entries, and a scan of one-off names does not flush it. */
class EvictionTest extends CacheFixture {

  private static final int SIZE = 50;

  @Test
  void staysBoundedAndKeepsTheEntriesInUse() throws Exception {
    AnswerCache cache = cache(settings(SIZE));
    for (int i = 0; i < 20; i++) {
      ask(cache, query("hot.test.", Type.A));
    }
    int hotCalls = next.calls();
    for (int i = 0; i < 40 * SIZE; i++) {
      ask(cache, query("cold" + i + ".test.", Type.A));
      if (i % 10 == 0) {
        ask(cache, query("hot.test.", Type.A));
      }
      assertThat(cache.size()).isLessThanOrEqualTo(SIZE);
    }
    int callsBefore = next.calls();
    ask(cache, query("hot.test.", Type.A));
    assertThat(next.calls()).isEqualTo(callsBefore);
    assertThat(callsBefore - hotCalls).isEqualTo(40 * SIZE); // only the cold names went upstream
    assertThat(metric("dotproxy_cache_entries")).isLessThanOrEqualTo(SIZE);
  }

  @Test
  void keepsInsertingWhenFull() throws Exception {
    AnswerCache cache = cache(settings(SIZE));
    for (int i = 0; i < 3 * SIZE; i++) {
      ask(cache, query("name" + i + ".test.", Type.A));
    }
    // The newest name is cached even though the cache filled up long ago.
    int calls = next.calls();
    ask(cache, query("name" + (3 * SIZE - 1) + ".test.", Type.A));
    assertThat(next.calls()).isEqualTo(calls);
    assertThat(cache.size()).isEqualTo(SIZE);
  }
}
