package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.PacketAnswers;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.dns.UpstreamAnswers;
import io.dotproxy.runtime.dns.WireResolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 *
 * <p>Plain queries (the common shape {@link PlainQuery} reads) never meet dnsjava here: a hit is
 * the stored wire form patched for the client ({@link CachedAnswer#answer}), and a miss goes to
 * the stages behind as its bytes ({@link WireResolver}), whose answer is judged and stored as
 * bytes ({@link StorePolicy}) and answered like a hit. Only what is rare takes the message path:
 * answers too large for the client, stale answers, uncacheable answers and failures.
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
  private final WireResolver wireNext;
  private final PacketStore entries;
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
    this.wireNext = next instanceof WireResolver wire ? wire : null;
    this.hasher = hasher;
    this.settings = settings;
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.policy = new StorePolicy(settings);
    this.serveStale = !settings.serveStale().isZero();
    this.prefetch = settings.prefetch();
    this.staleAnswerAfterNanos = staleAnswerAfter.toNanos();
    // GCLOCK over open addressing: a hit sets a small use count, the eviction hand takes one off,
    // and new entries start at none, so a scan of one-off names passes through without pushing
    // out what is used often (1.9 points of hit ratio behind Caffeine's W-TinyLFU on a Zipf trace,
    // PacketStoreHitRatioTest), at one byte[] per answer and no object per lookup.
    this.entries = new PacketStore(settings.size(), hasher, CachedAnswer.LAYOUT, nanoClock,
        metrics::cacheEviction);
    metrics.cacheEntries(entries::liveSize);
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
    replacement.entries.putAllFrom(entries);
    return replacement;
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    CacheKey key = CacheKey.of(query, hasher);
    if (key == null) {
      return next.resolve(query, loop);
    }
    long now = nanoClock.getAsLong();
    byte[] entry = entries.get(key.bytes());
    if (entry != null && CachedAnswer.isFresh(entry, now)) {
      metrics.cacheHit();
      query.trace().cache("hit");
      if (dueForPrefetch(entry, now) && CachedAnswer.claimPrefetch(entry)) {
        refresh(key, query, loop);
      }
      return CompletableFuture.completedFuture(fit(CachedAnswer.copy(entry, now), query));
    }
    metrics.cacheMiss();
    query.trace().cache("miss");
    if (answersStale(entry, now)) {
      return CompletableFuture.completedFuture(fit(staleAnswer(entry, query), query));
    }
    CompletableFuture<Outcome> flight = join(key, mine -> fly(key, mine, query, loop));
    CompletableFuture<Message> answer = new CompletableFuture<>();
    flight.whenComplete((outcome, error) -> onLoop(loop,
        () -> deliver(answer, key, query, error == null ? outcome : new Outcome.Failed(error))));
    if (serveStale && entry != null && !answer.isDone()) {
      answerStaleIfSlow(answer, key, query, loop);
    }
    return answer;
  }

  /**
   * A fresh entry's answer to a plain query, from the query's bytes and the entry's. Everything
   * else (misses, stale entries, entries due for prefetch, answers too large for the client) is
   * declined, and counts its own hit or miss where it goes.
   */
  @Override
  public byte[] answer(ByteBuf packet, boolean udp, int udpMaxSize) {
    PlainQuery query = PlainQuery.read(packet);
    if (query == null) {
      return null;
    }
    long now = nanoClock.getAsLong();
    byte[] entry = entries.get(packet, packet.readerIndex() + PlainQuery.NAME_OFFSET,
        query.nameLength(), query.type(), query.dclass(),
        CacheKeys.bits(query.dnssecOk(), query.checkingDisabled()));
    if (entry == null || !CachedAnswer.isFresh(entry, now) || dueForPrefetch(entry, now)
        || CachedAnswer.answerLength(entry, query.edns()) > query.maxResponseSize(udp, udpMaxSize)) {
      return null; // truncation is the full path's job
    }
    metrics.cacheHit();
    return CachedAnswer.answer(entry, now, query, packet);
  }

  /**
   * A plain query with no fresh entry, resolved as bytes: it joins the flight for its key or
   * starts one through the {@link WireResolver} behind (or, where that declines, through the
   * message path), and is answered from the stored entry like a hit.
   */
  @Override
  public boolean resolve(ByteBuf packet, boolean udp, int udpMaxSize, EventLoop loop,
      Consumer<byte[]> reply) {
    PlainQuery query = wireNext == null ? null : PlainQuery.read(packet);
    if (query == null) {
      return false;
    }
    CacheKey key = CacheKey.of(packet, query, hasher);
    long now = nanoClock.getAsLong();
    byte[] entry = entries.get(key.bytes());
    if (entry != null && (CachedAnswer.isFresh(entry, now) || answersStale(entry, now))) {
      return false; // hits the packet path declined and stale answers are the message path's
    }
    metrics.cacheMiss();
    WireWaiter waiter = new WireWaiter(query, ByteBufUtil.getBytes(packet), udp, udpMaxSize, reply);
    CompletableFuture<Outcome> flight = join(key, mine -> flyWire(key, mine, waiter, loop));
    flight.whenComplete((outcome, error) -> onLoop(loop,
        () -> waiter.deliver(key, error == null ? outcome : new Outcome.Failed(error))));
    if (serveStale && entry != null && CachedAnswer.isUsable(entry, now)) {
      waiter.answerStaleIfSlow(key, loop);
    }
    return true;
  }

  /** The key this cache files {@code query} under, or null when it is not cached (for tests). */
  CacheKey keyOf(ClientQuery query) {
    return CacheKey.of(query, hasher);
  }

  /** Entries that can still answer (for tests). */
  long size() {
    return entries.liveSize();
  }

  /** The upstream query in flight for {@code key}, joined or started by {@code start}. */
  private CompletableFuture<Outcome> join(CacheKey key, Consumer<CompletableFuture<Outcome>> start) {
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> current = inFlight.putIfAbsent(key, mine);
    if (current != null) {
      metrics.coalesced();
      return current;
    }
    // A flight may have landed between our lookup and our claim; its answer is in the cache.
    byte[] landed = entries.get(key.bytes());
    if (landed != null && CachedAnswer.isFresh(landed, nanoClock.getAsLong())) {
      land(key, mine, new Outcome.Stored(landed));
      return mine;
    }
    start.accept(mine);
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

  /** A flight of a plain query's bytes; through the message path where the stages behind decline. */
  private void flyWire(CacheKey key, CompletableFuture<Outcome> mine, WireWaiter waiter,
      EventLoop loop) {
    CompletableFuture<byte[]> upstream;
    try {
      upstream = wireNext.resolveWire(key.name(), waiter.packet, waiter.query, loop);
    } catch (RuntimeException e) {
      upstream = CompletableFuture.failedFuture(e);
    }
    if (upstream == null) {
      ClientQuery query = waiter.clientQuery();
      if (query == null) {
        land(key, mine, new Outcome.Failed(new IllegalStateException("a plain query did not decode")));
      } else {
        fly(key, mine, query, loop);
      }
      return;
    }
    upstream.whenComplete((raw, error) -> land(key, mine, settle(key, raw, error)));
  }

  /** Stores a cacheable answer before the flight ends, so later queries find it in the cache. */
  private Outcome settle(CacheKey key, Message message, Throwable error) {
    if (error != null || message == null || message.getRcode() == Rcode.SERVFAIL) {
      refreshFailed(key);
    }
    if (error != null || message == null) {
      return new Outcome.Failed(error != null ? error : new IllegalStateException("no answer"));
    }
    try {
      byte[] entry = policy.admit(message, key, nanoClock.getAsLong());
      if (entry != null) {
        entries.put(entry);
        return new Outcome.Stored(entry);
      }
    } catch (RuntimeException e) {
      // An answer we cannot take apart is still an answer; it just is not cached.
    }
    return new Outcome.Passed(message);
  }

  /** The same for an answer's bytes; only one that is not stored is parsed, to be passed on. */
  private Outcome settle(CacheKey key, byte[] raw, Throwable error) {
    if (error != null || raw == null) {
      refreshFailed(key);
      return new Outcome.Failed(error != null ? error : new IllegalStateException("no answer"));
    }
    byte[] entry = policy.admit(raw, key, nanoClock.getAsLong());
    if (entry != null) {
      entries.put(entry);
      return new Outcome.Stored(entry);
    }
    Message message = UpstreamAnswers.decode(raw);
    if (message == null || message.getRcode() == Rcode.SERVFAIL) {
      refreshFailed(key);
    }
    return message == null
        ? new Outcome.Failed(new IllegalStateException("an upstream answer that does not parse"))
        : new Outcome.Passed(message);
  }

  private void refreshFailed(CacheKey key) {
    byte[] previous = entries.get(key.bytes());
    if (previous != null) {
      CachedAnswer.refreshFailed(previous, nanoClock.getAsLong(), FAILURE_RECHECK_AFTER.toNanos());
    }
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
      Message reply = messageFor(key, query, outcome);
      if (reply == null) {
        answer.completeExceptionally(((Outcome.Failed) outcome).error());
        return;
      }
      answer.complete(reply);
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
  }

  /** The client's own answer from a flight's outcome, fitted; null when there is none to give. */
  private Message messageFor(CacheKey key, ClientQuery query, Outcome outcome) {
    Message reply;
    if (outcome instanceof Outcome.Stored stored) {
      reply = CachedAnswer.copy(stored.entry(), nanoClock.getAsLong());
    } else if (outcome instanceof Outcome.Passed passed) {
      reply = passed.message().getRcode() == Rcode.SERVFAIL ? fallback(key, query) : null;
      if (reply == null) {
        reply = passed.message().clone();
      }
    } else {
      reply = fallback(key, query);
      if (reply == null) {
        return null;
      }
    }
    return fit(reply, query);
  }

  /** RFC 8767's client response timer: a stale answer now beats a fresh one too late. */
  private void answerStaleIfSlow(CompletableFuture<Message> answer, CacheKey key,
      ClientQuery query, EventLoop loop) {
    afterStaleAnswerTime(loop, () -> {
      if (!answer.isDone()) {
        Message stale = fallback(key, query);
        if (stale != null) {
          answer.complete(fit(stale, query));
        }
      }
    }, answer);
  }

  private void afterStaleAnswerTime(EventLoop loop, Runnable task, CompletableFuture<?> answered) {
    ScheduledFuture<?> timer;
    try {
      timer = loop.schedule(task, staleAnswerAfterNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return; // the loop is shutting down; the upstream answer or its failure will do
    }
    answered.whenComplete((message, error) -> timer.cancel(false));
  }

  /**
   * What answers when the upstream could not: the entry if it is still usable, as a stale answer
   * if it has expired (or as a fresh one if another query refreshed it meanwhile).
   */
  private Message fallback(CacheKey key, ClientQuery query) {
    long now = nanoClock.getAsLong();
    byte[] entry = entries.get(key.bytes());
    if (entry == null || !CachedAnswer.isUsable(entry, now)) {
      return null;
    }
    if (CachedAnswer.isFresh(entry, now)) {
      return CachedAnswer.copy(entry, now);
    }
    return staleAnswer(entry, query);
  }

  private Message staleAnswer(byte[] entry, ClientQuery query) {
    metrics.staleAnswer();
    query.trace().cache("stale");
    return CachedAnswer.staleCopy(entry);
  }

  private boolean dueForPrefetch(byte[] entry, long now) {
    return prefetch && CachedAnswer.hitAtLeast(entry, PREFETCH_MIN_HITS)
        && CachedAnswer.inPrefetchWindow(entry, now);
  }

  /** An expired entry that answers at once because its refresh failed a moment ago. */
  private boolean answersStale(byte[] entry, long now) {
    return serveStale && entry != null && CachedAnswer.awaitingRecheck(entry, now)
        && CachedAnswer.isUsable(entry, now);
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

  /**
   * A plain query waiting on the bytes path. Its packet is kept as bytes (the listener's buffer is
   * released once the query is handed over); it is decoded only if the answer must take the
   * message path. Touched only on its client's loop.
   */
  private final class WireWaiter {
    final PlainQuery query;
    final byte[] packet;
    private final boolean udp;
    private final int udpMaxSize;
    private final Consumer<byte[]> reply;
    private final CompletableFuture<Void> answered = new CompletableFuture<>();
    private ClientQuery decoded;

    WireWaiter(PlainQuery query, byte[] packet, boolean udp, int udpMaxSize, Consumer<byte[]> reply) {
      this.query = query;
      this.packet = packet;
      this.udp = udp;
      this.udpMaxSize = udpMaxSize;
      this.reply = reply;
    }

    /** The query as the message path takes it, or null if it does not decode (it always should). */
    ClientQuery clientQuery() {
      if (decoded == null
          && QueryDecoder.decode(ByteBuffer.wrap(packet), udp, udpMaxSize) instanceof DecodedQuery.Resolve resolve) {
        decoded = resolve.query();
      }
      return decoded;
    }

    void deliver(CacheKey key, Outcome outcome) {
      if (answered.isDone()) {
        return; // the client response timer already answered from the stale entry
      }
      if (outcome instanceof Outcome.Stored stored && CachedAnswer.answerLength(stored.entry(),
          query.edns()) <= query.maxResponseSize(udp, udpMaxSize)) {
        send(CachedAnswer.answer(stored.entry(), nanoClock.getAsLong(), query, packet));
        return;
      }
      ClientQuery client = clientQuery();
      Message message = null;
      try {
        message = client == null ? null : messageFor(key, client, outcome);
      } catch (RuntimeException e) {
        // as with no answer: SERVFAIL below
      }
      send(shaped(client, message));
    }

    void answerStaleIfSlow(CacheKey key, EventLoop loop) {
      afterStaleAnswerTime(loop, () -> {
        ClientQuery client = answered.isDone() ? null : clientQuery();
        Message stale = client == null ? null : fallback(key, client);
        if (stale != null) {
          send(shaped(client, fit(stale, client)));
        }
      }, answered);
    }

    private byte[] shaped(ClientQuery client, Message message) {
      if (client == null) {
        return null;
      }
      try {
        return ResponseShaper.shape(client, message != null ? message : Responses.servfail(client));
      } catch (RuntimeException e) {
        return ResponseShaper.shape(client, Responses.servfail(client));
      }
    }

    private void send(byte[] answer) {
      if (answered.complete(null)) {
        reply.accept(answer);
      }
    }
  }
}
