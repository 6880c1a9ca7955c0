package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.Dns.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.router.Router;
import io.dotproxy.runtime.testing.InProcessUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cache shares one upstream query between clients (coalescing, prefetch), so what it asks
 * must not depend on which client asked first: upstreams are always asked with RD=1, whatever the
 * client's RD bit, and each client still sees its own RD echoed. The upstream here is a real DoT
 * connection to a scripted server that, like a recursive resolver asked without recursion, refuses
 * RD=0 queries.
 */
class RecursionDesiredTest extends CacheFixture {

  private final List<Boolean> recursionDesired = new CopyOnWriteArrayList<>();
  private InProcessUpstream upstream;

  @BeforeEach
  void startUpstream(@TempDir Path dir) throws Exception {
    upstream = InProcessUpstream.start(dir, loops, metrics);
    upstream.server().behave(query -> {
      Message asked = query.message();
      boolean rd = asked.getHeader().getFlag(Flags.RD);
      recursionDesired.add(rd);
      query.later(Duration.ofMillis(300), () -> {
        if (rd) {
          query.answer();
        } else {
          Message refused = new Message(query.id());
          refused.getHeader().setFlag(Flags.QR);
          refused.getHeader().setRcode(Rcode.REFUSED);
          refused.addRecord(asked.getQuestion(), Section.QUESTION);
          query.reply(refused);
        }
      });
    });
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private AnswerCache cacheOverUpstream(io.dotproxy.runtime.config.CacheSettings settings) {
    Router router = new Router(List.of(upstream.upstream()), Policy.SEQUENTIAL, Duration.ofSeconds(5),
        new UpstreamQuery(new PrivacySettings(true, true)));
    return new AnswerCache(router, settings, metrics, clock, Duration.ofMinutes(5));
  }

  @Test
  void anRdZeroClientFirstInAFlightCannotChangeTheAnswerOfRdOneClientsJoiningIt() throws Exception {
    AnswerCache cache = cacheOverUpstream(settings(100));
    ClientQuery noRecursion = withoutRecursion(query("shared.test.", Type.A));
    List<ClientQuery> queries = new ArrayList<>(List.of(noRecursion));
    for (int i = 0; i < 3; i++) {
      queries.add(query("shared.test.", Type.A));
    }
    List<CompletableFuture<Message>> answers = new ArrayList<>();
    for (ClientQuery query : queries) {
      answers.add(cache.resolve(query, loop()));
    }
    for (int i = 0; i < queries.size(); i++) {
      Message answer = await(answers.get(i));
      assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
      assertThat(answer.getHeader().getFlag(Flags.RD)).as("RD echoes client %d", i).isEqualTo(i > 0);
    }
    assertThat(metric("dotproxy_coalesced")).isEqualTo(queries.size() - 1);
    assertThat(recursionDesired).containsExactly(true);
  }

  @Test
  void aPrefetchStartedByAnRdZeroClientAsksWithRdOne() throws Exception {
    AnswerCache cache = cacheOverUpstream(
        new io.dotproxy.runtime.config.CacheSettings(100, Duration.ZERO, Duration.ofDays(1),
            Duration.ZERO, true));
    for (int i = 0; i <= AnswerCache.PREFETCH_MIN_HITS; i++) {
      ask(cache, query("popular.test.", Type.A));
    }
    clock.advance(Duration.ofSeconds(57)); // the last tenth of the standard answer's 60 s TTL
    ask(cache, withoutRecursion(query("popular.test.", Type.A)));
    assertThat(upstream.server().awaitQueries(2, Duration.ofSeconds(5))).isTrue();
    assertThat(metric("dotproxy_cache_prefetches")).isEqualTo(1);
    assertThat(recursionDesired).containsExactly(true, true);
  }

  private static ClientQuery withoutRecursion(ClientQuery query) {
    Message message = query.message().clone();
    message.getHeader().unsetFlag(Flags.RD);
    return Dns.decode(message);
  }
}
