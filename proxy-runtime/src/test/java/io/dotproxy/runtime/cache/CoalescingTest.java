package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Identical queries in flight at once share one upstream query. */
class CoalescingTest extends CacheFixture {

  private static final int CLIENTS = 200;

  @Test
  void concurrentIdenticalQueriesFromSeveralLoopsMakeOneUpstreamQuery() throws Exception {
    AnswerCache cache = cache();
    next.hold();
    List<ClientQuery> queries = new ArrayList<>();
    List<CompletableFuture<Message>> answers = askFromLoops(cache, queries, "burst.test.");
    assertThat(next.calls()).isEqualTo(1);
    assertThat(answers).noneMatch(CompletableFuture::isDone);

    next.release();
    Set<Message> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < CLIENTS; i++) {
      Message answer = await(answers.get(i));
      distinct.add(answer);
      Message shaped = parse(ResponseShaper.shape(queries.get(i), answer));
      assertThat(shaped.getHeader().getID()).isEqualTo(queries.get(i).id());
      assertThat(shaped.getQuestion().getName()).hasToString(queries.get(i).question().getName().toString());
      assertThat(shaped.getSection(Section.ANSWER)).hasSize(1);
    }
    assertThat(distinct).hasSize(CLIENTS);
    assertThat(next.calls()).isEqualTo(1);
    assertThat(metric("dotproxy_coalesced")).isEqualTo(CLIENTS - 1);
    assertThat(metric("dotproxy_cache_misses")).isEqualTo(CLIENTS);

    ask(cache, query("burst.test.", Type.A)); // and afterwards the answer is cached
    assertThat(next.calls()).isEqualTo(1);
  }

  @Test
  void waitersOnAnUncachedAnswerEachGetTheirOwnCopy() throws Exception {
    next.answer(query -> Dns.answer(query, Rcode.REFUSED));
    AnswerCache cache = cache();
    next.hold();
    List<ClientQuery> queries = new ArrayList<>();
    List<CompletableFuture<Message>> answers = askFromLoops(cache, queries, "refused.test.");
    next.release();
    Set<Message> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    for (CompletableFuture<Message> answer : answers) {
      Message message = await(answer);
      assertThat(message.getRcode()).isEqualTo(Rcode.REFUSED);
      distinct.add(message);
    }
    assertThat(distinct).hasSize(CLIENTS);
    assertThat(next.calls()).isEqualTo(1);
  }

  @Test
  void differentQuestionsAreNotCoalesced() throws Exception {
    AnswerCache cache = cache();
    next.hold();
    CompletableFuture<Message> a = cache.resolve(query("one.test.", Type.A), loop());
    CompletableFuture<Message> aaaa = cache.resolve(query("one.test.", Type.AAAA), loop());
    CompletableFuture<Message> other = cache.resolve(query("two.test.", Type.A), loop());
    assertThat(next.calls()).isEqualTo(3);
    next.release();
    await(a);
    await(aaaa);
    await(other);
    assertThat(metric("dotproxy_coalesced")).isZero();
  }

  /** Sends {@link #CLIENTS} queries for {@code name} in mixed case, each from an event loop. */
  private List<CompletableFuture<Message>> askFromLoops(AnswerCache cache,
      List<ClientQuery> queries, String name) throws Exception {
    List<Future<CompletableFuture<Message>>> submitted = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      ClientQuery query = query(i % 2 == 0 ? name : name.toUpperCase(), Type.A);
      queries.add(query);
      EventLoop loop = loop();
      submitted.add(loop.submit(() -> cache.resolve(query, loop)));
    }
    List<CompletableFuture<Message>> answers = new ArrayList<>();
    for (Future<CompletableFuture<Message>> future : submitted) {
      answers.add(future.get(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS));
    }
    return answers;
  }
}
