package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
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
    assertThat(metric("dotproxy_cache_evictions")).as("each name beyond the size pushed one out").isEqualTo(2.0 * SIZE);
  }

  @Test
  void aBigAnswerCountsOneEntryPerStartedKibibyte() throws Exception {
    next.answer(query -> {
      Message answer = Dns.answer(query);
      for (int i = 0; i < 16; i++) { // 16 x 250 bytes of text: a 4 KB answer
        answer.addRecord(new TXTRecord(query.question().getName(), DClass.IN, 300, "x".repeat(250)),
            Section.ANSWER);
      }
      return answer;
    });
    AnswerCache cache = cache(settings(SIZE));
    for (int i = 0; i < SIZE; i++) {
      ask(cache, query("big" + i + ".test.", Type.TXT));
    }
    // 4,000-odd bytes weigh 4 or 5 entries, so SIZE small entries' room holds 10 to 12 of them.
    assertThat(cache.size()).isBetween((long) SIZE / 5, (long) SIZE / 4);
  }
}
