package io.dotproxy.runtime.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Expiry;
import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PacketAnswers;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * The answer cache, in front of the next stage of the query path.
 *
 * <ul>
 *   <li>A fresh entry answers at once, with TTLs lowered by its age ({@link CachedAnswer}).
 *   <li>Otherwise the query goes to the next stage, unless an identical one (same
 *       {@link CacheKey}) is already on its way there: then it waits for that one's answer, so a
 *       burst for one name costs one upstream query.
 *   <li>When the next stage fails or answers SERVFAIL, an expired entry still inside the
 *       serve-stale window answers instead (RFC 8767); one also answers a client that has waited
 *       {@link #STALE_ANSWER_AFTER} while the upstream query carries on and refreshes the entry.
 *   <li>A popular entry hit in the last tenth of its TTL is refreshed once in the background.
 * </ul>
 */
public final class AnswerCache implements Resolver, PacketAnswers {

  /** Hits an entry needs before it is worth refreshing ahead of its expiry. */
  static final int PREFETCH_MIN_HITS = 3;

  /**
   * RFC 8767's failure recheck timer (its suggested 30 s): how long after a failed refresh an
   * expired entry answers stale without asking the upstream again.
   */
  static final Duration FAILURE_RECHECK_AFTER = Duration.ofSeconds(30);

  /** RFC 8767's client response timer (its suggested 1.8 s). */
  static final Duration STALE_ANSWER_AFTER = Duration.ofMillis(1800);

  private final Resolver next;
  private final CacheSettings settings;
  private final ProxyMetrics metrics;
  private final LongSupplier nanoClock;
  private final StorePolicy policy;
  private final boolean serveStale;
  private final boolean prefetch;
  private final long staleAnswerAfterNanos;
  private final KeyHasher hasher;
  private final Cache<CacheKey, CachedAnswer> entries;
  private final ConcurrentHashMap<CacheKey, CompletableFuture<Outcome>> inFlight =
      new ConcurrentHashMap<>();

  /** The cache around {@code next}, or {@code next} itself when the cache is turned off. */
  public static Resolver around(Resolver next, CacheSettings settings, ProxyMetrics metrics) {
    if (!settings.enabled()) {
      metrics.cacheEntries(() -> 0); // the metric exists either way, so dashboards need no cases
      return next;
    }
    return new AnswerCache(next, settings, metrics, System::nanoTime, STALE_ANSWER_AFTER);
  }

  /**
   * @param nanoClock monotonic nanoseconds; tests pass a clock they move by hand
   * @param staleAnswerAfter how long a client with a stale entry waits for the upstream
   */
  AnswerCache(Resolver next, CacheSettings settings, ProxyMetrics metrics, LongSupplier nanoClock,
      Duration staleAnswerAfter) {
    this(next, settings, metrics, nanoClock, staleAnswerAfter, KeyHasher.random());
  }

  private AnswerCache(Resolver next, CacheSettings settings, ProxyMetrics metrics,
      LongSupplier nanoClock, Duration staleAnswerAfter, KeyHasher hasher) {
    this.next = next;
    this.hasher = hasher;
    this.settings = settings;
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.policy = new StorePolicy(settings);
    this.serveStale = !settings.serveStale().isZero();
    this.prefetch = settings.prefetch();
    this.staleAnswerAfterNanos = staleAnswerAfter.toNanos();
    // Size-bounded W-TinyLFU keeps entries that are used often when a scan of one-off names
    // passes through. An answer counts one entry per started KiB, so that the heap the cache takes
    // is bounded by its size, not by how big the answers are that clients manage to ask for.
    // Maintenance runs on the calling thread: it is short, and it keeps the cache's work on the
    // event loops instead of a shared pool.
    this.entries = Caffeine.newBuilder()
        .maximumWeight(settings.size())
        .weigher((CacheKey key, CachedAnswer entry) -> entry.weight())
        .ticker(nanoClock::getAsLong)
        .executor(Runnable::run)
        .expireAfter(new UntilStale())
        .evictionListener((CacheKey key, CachedAnswer entry, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE) {
            metrics.cacheEviction();
          }
        })
        .build();
    metrics.cacheEntries(entries::estimatedSize);
  }

  /** A cache with its own settings in front of {@code next} (which must not be null). */
  public static AnswerCache create(Resolver next, CacheSettings settings, ProxyMetrics metrics) {
    return new AnswerCache(next, settings, metrics, System::nanoTime, STALE_ANSWER_AFTER);
  }

  public CacheSettings settings() {
    return settings;
  }

  /**
   * The same answers under new settings, for a reload: entries carry over (the hottest first when
   * the new size is smaller), so a config change does not send every client to the upstreams.
   */
  public AnswerCache reconfigured(CacheSettings newSettings) {
    AnswerCache replacement = new AnswerCache(next, newSettings, metrics, nanoClock,
        Duration.ofNanos(staleAnswerAfterNanos), hasher);
    entries.policy().eviction().ifPresentOrElse(
        eviction -> eviction.hottest(newSettings.size()).forEach(replacement.entries::put),
        () -> replacement.entries.putAll(entries.asMap()));
    return replacement;
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    CacheKey key = CacheKey.of(query, hasher);
    if (key == null) {
      return next.resolve(query, loop);
    }
    long now = nanoClock.getAsLong();
    CachedAnswer entry = entries.getIfPresent(key);
    if (entry != null && entry.isFresh(now)) {
      metrics.cacheHit();
      query.trace().cache("hit");
      if (prefetch && entry.hitAtLeast(PREFETCH_MIN_HITS) && entry.inPrefetchWindow(now)
          && entry.claimPrefetch()) {
        refresh(key, query, loop);
      }
      return CompletableFuture.completedFuture(fit(entry.copy(now), query));
    }
    metrics.cacheMiss();
    query.trace().cache("miss");
    if (serveStale && entry != null && entry.awaitingRecheck(now) && entry.isUsable(now)) {
      return CompletableFuture.completedFuture(fit(staleAnswer(entry, query), query));
    }
    CompletableFuture<Outcome> flight = join(key, query, loop);
    CompletableFuture<Message> answer = new CompletableFuture<>();
    flight.whenComplete((outcome, error) -> onLoop(loop,
        () -> deliver(answer, key, query, error == null ? outcome : new Outcome.Failed(error))));
    if (serveStale && entry != null && !answer.isDone()) {
      answerStaleIfSlow(answer, key, query, loop);
    }
    return answer;
  }

  /**
   * A fresh entry's answer to a plain query, from the query's bytes and the entry's finished
   * answer for queries like it. Everything else (misses, stale entries, entries due for prefetch,
   * answers too large for the client) takes the full path, which counts its own hit or miss.
   */
  @Override
  public byte[] answer(ByteBuf packet, boolean udp, int udpMaxSize) {
    PlainQuery query = PlainQuery.read(packet);
    if (query == null) {
      return null;
    }
    long now = nanoClock.getAsLong();
    CachedAnswer entry = entries.getIfPresent(CacheKey.of(packet, query, hasher));
    if (entry == null || !entry.isFresh(now)
        || (prefetch && entry.hitAtLeast(PREFETCH_MIN_HITS) && entry.inPrefetchWindow(now))) {
      return null;
    }
    byte[] template = entry.shapedAnswer(now, query.answerVariant(), reply -> {
      ClientQuery like = query.likeThis(reply.getQuestion());
      return ResponseShaper.shape(like, fit(reply, like));
    });
    if (template.length > query.maxResponseSize(udp, udpMaxSize)) {
      return null; // truncation is the full path's job
    }
    metrics.cacheHit();
    return query.answer(template, packet);
  }

  /** The key this cache files {@code query} under, or null when it is not cached (for tests). */
  CacheKey keyOf(ClientQuery query) {
    return CacheKey.of(query, hasher);
  }

  /** Entries now held, after pending evictions and expiries are applied (for tests). */
  long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  /** The upstream query in flight for {@code key}, joined or started. */
  private CompletableFuture<Outcome> join(CacheKey key, ClientQuery query, EventLoop loop) {
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> current = inFlight.putIfAbsent(key, mine);
    if (current != null) {
      metrics.coalesced();
      return current;
    }
    // A flight may have landed between our lookup and our claim; its answer is in the cache.
    CachedAnswer landed = entries.getIfPresent(key);
    if (landed != null && landed.isFresh(nanoClock.getAsLong())) {
      land(key, mine, new Outcome.Stored(landed));
      return mine;
    }
    fly(key, mine, query, loop);
    return mine;
  }

  /** Prefetch: one background query whose answer replaces the entry before it expires. */
  private void refresh(CacheKey key, ClientQuery query, EventLoop loop) {
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    if (inFlight.putIfAbsent(key, mine) == null) {
      metrics.prefetch();
      fly(key, mine, query, loop);
    }
  }

  private void fly(CacheKey key, CompletableFuture<Outcome> mine, ClientQuery query,
      EventLoop loop) {
    CompletableFuture<Message> upstream;
    try {
      upstream = next.resolve(query, loop);
    } catch (RuntimeException e) {
      upstream = CompletableFuture.failedFuture(e);
    }
    upstream.whenComplete((message, error) -> land(key, mine, settle(key, message, error)));
  }

  /** Stores a cacheable answer before the flight ends, so later queries find it in the cache. */
  private Outcome settle(CacheKey key, Message message, Throwable error) {
    if (error != null || message == null || message.getRcode() == Rcode.SERVFAIL) {
      CachedAnswer previous = entries.getIfPresent(key);
      if (previous != null) {
        previous.refreshFailed(nanoClock.getAsLong(), FAILURE_RECHECK_AFTER.toNanos());
      }
    }
    if (error != null || message == null) {
      return new Outcome.Failed(error != null ? error : new IllegalStateException("no answer"));
    }
    try {
      CachedAnswer entry = policy.admit(message, key, nanoClock.getAsLong());
      if (entry != null) {
        entries.put(key, entry);
        return new Outcome.Stored(entry);
      }
    } catch (RuntimeException e) {
      // An answer we cannot take apart is still an answer; it just is not cached.
    }
    return new Outcome.Passed(message);
  }

  private void land(CacheKey key, CompletableFuture<Outcome> mine, Outcome outcome) {
    inFlight.remove(key, mine);
    mine.complete(outcome);
  }

  /** Runs on the client's loop: gives it its own copy of the shared outcome. */
  private void deliver(CompletableFuture<Message> answer, CacheKey key, ClientQuery query,
      Outcome outcome) {
    if (answer.isDone()) {
      return; // the client response timer already answered from the stale entry
    }
    try {
      Message reply;
      if (outcome instanceof Outcome.Stored stored) {
        reply = stored.entry().copy(nanoClock.getAsLong());
      } else if (outcome instanceof Outcome.Passed passed) {
        reply = passed.message().getRcode() == Rcode.SERVFAIL ? fallback(key, query) : null;
        if (reply == null) {
          reply = passed.message().clone();
        }
      } else {
        reply = fallback(key, query);
        if (reply == null) {
          answer.completeExceptionally(((Outcome.Failed) outcome).error());
          return;
        }
      }
      answer.complete(fit(reply, query));
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
  }

  /** RFC 8767's client response timer: a stale answer now beats a fresh one too late. */
  private void answerStaleIfSlow(CompletableFuture<Message> answer, CacheKey key,
      ClientQuery query, EventLoop loop) {
    ScheduledFuture<?> timer;
    try {
      timer = loop.schedule(() -> {
        if (!answer.isDone()) {
          Message stale = fallback(key, query);
          if (stale != null) {
            answer.complete(fit(stale, query));
          }
        }
      }, staleAnswerAfterNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return; // the loop is shutting down; the upstream answer or its failure will do
    }
    answer.whenComplete((message, error) -> timer.cancel(false));
  }

  /**
   * What answers when the upstream could not: the entry if it is still usable, as a stale answer
   * if it has expired (or as a fresh one if another query refreshed it meanwhile).
   */
  private Message fallback(CacheKey key, ClientQuery query) {
    long now = nanoClock.getAsLong();
    CachedAnswer entry = entries.getIfPresent(key);
    if (entry == null || !entry.isUsable(now)) {
      return null;
    }
    if (entry.isFresh(now)) {
      return entry.copy(now);
    }
    return staleAnswer(entry, query);
  }

  private Message staleAnswer(CachedAnswer entry, ClientQuery query) {
    metrics.staleAnswer();
    query.trace().cache("stale");
    return entry.staleCopy();
  }

  /**
   * The header bits that belong to this client rather than to whoever asked first: RD echoes its
   * query, and AD is only for clients that asked for DNSSEC with DO or AD (RFC 6840 section 5.8).
   */
  private static Message fit(Message reply, ClientQuery query) {
    Header header = reply.getHeader();
    Header asked = query.message().getHeader();
    ResponseShaper.echoRecursionDesired(header, query);
    boolean dnssecOk = query.clientOpt() != null
        && (query.clientOpt().getFlags() & ExtendedFlags.DO) != 0;
    if (!dnssecOk && !asked.getFlag(Flags.AD)) {
      header.unsetFlag(Flags.AD);
    }
    return reply;
  }

  private static void onLoop(EventLoop loop, Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
      return;
    }
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // the loop is shutting down; answer anyway rather than leave the client waiting
    }
  }

  /** Entries stay until their serve-stale window ends; reads do not extend them. */
  private static final class UntilStale implements Expiry<CacheKey, CachedAnswer> {
    @Override
    public long expireAfterCreate(CacheKey key, CachedAnswer entry, long now) {
      return Math.max(0, entry.staleUntil() - now);
    }

    @Override
    public long expireAfterUpdate(CacheKey key, CachedAnswer entry, long now, long remaining) {
      return Math.max(0, entry.staleUntil() - now);
    }

    @Override
    public long expireAfterRead(CacheKey key, CachedAnswer entry, long now, long remaining) {
      return remaining;
    }
  }
}
