package io.dotproxy.runtime.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.dotproxy.runtime.dns.PlainQuery;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The benchmarks' way into the cache package (its classes are package-private): the same answers
 * stored in a {@link PacketStore} and in a Caffeine cache configured as {@link AnswerCache} has
 * it, each looked up from a client's packet the way it would be.
 */
public final class PacketStoreLookups {

  private static final long STALE_NEVER = Long.MAX_VALUE;

  private final KeyHasher hasher = KeyHasher.random();
  private final PacketStore store;
  private final Cache<CacheKey, byte[]> caffeine;

  /** Answers (any bytes) for the queries in {@code packets}, the two caches sized to hold them. */
  public PacketStoreLookups(List<ByteBuf> packets, byte[] answer) {
    store = new PacketStore(packets.size(), hasher, new KeyFirst(), System::nanoTime, () -> { });
    caffeine = Caffeine.newBuilder()
        .maximumWeight(packets.size())
        .weigher((CacheKey key, byte[] entry) -> 1)
        .ticker(System::nanoTime)
        .executor(Runnable::run)
        .expireAfter(new Expiry<CacheKey, byte[]>() {
          @Override
          public long expireAfterCreate(CacheKey key, byte[] entry, long now) {
            return Long.MAX_VALUE / 2;
          }

          @Override
          public long expireAfterUpdate(CacheKey key, byte[] entry, long now, long remaining) {
            return remaining;
          }

          @Override
          public long expireAfterRead(CacheKey key, byte[] entry, long now, long remaining) {
            return remaining;
          }
        })
        .build();
    for (ByteBuf packet : packets) {
      PlainQuery query = PlainQuery.read(packet);
      byte[] name = new byte[query.nameLength()];
      packet.getBytes(packet.readerIndex() + PlainQuery.NAME_OFFSET, name);
      for (int i = 0; i < name.length; i++) {
        name[i] = (byte) CacheKeys.lowerCase(name[i]);
      }
      byte[] key = CacheKeys.key(name, query.type(), query.dclass(),
          CacheKeys.bits(query.dnssecOk(), query.checkingDisabled()));
      store.put(ByteBuffer.allocate(2 + key.length + 8 + answer.length)
          .putShort((short) key.length).put(key).putLong(STALE_NEVER).put(answer).array());
      caffeine.put(CacheKey.of(packet, query, hasher), answer);
    }
  }

  /** The packet store's lookup: no key object, the name hashed and compared as it is read. */
  public byte[] fromPacketStore(ByteBuf packet, PlainQuery query) {
    return store.get(packet, packet.readerIndex() + PlainQuery.NAME_OFFSET, query.nameLength(),
        query.type(), query.dclass(), CacheKeys.bits(query.dnssecOk(), query.checkingDisabled()));
  }

  /** Today's lookup: a key object made from the packet, then Caffeine. */
  public byte[] fromCaffeine(ByteBuf packet, PlainQuery query) {
    return caffeine.getIfPresent(CacheKey.of(packet, query, hasher));
  }

  /** Key length (2 bytes), key, stale-until (8 bytes), answer. */
  private static final class KeyFirst implements PacketStore.EntryLayout {
    @Override
    public int keyOffset(byte[] entry) {
      return 2;
    }

    @Override
    public int keyLength(byte[] entry) {
      return (entry[0] & 0xFF) << 8 | (entry[1] & 0xFF);
    }

    @Override
    public long staleUntil(byte[] entry) {
      return STALE_NEVER;
    }
  }
}
