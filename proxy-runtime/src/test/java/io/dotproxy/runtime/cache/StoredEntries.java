package io.dotproxy.runtime.cache;

import java.nio.ByteBuffer;
import org.xbill.DNS.DClass;

/**
 * Entries for {@link PacketStore} tests in a layout of their own: the stale-until time (8 bytes),
 * the key's length (2 bytes), the key, then filler up to the size a test asks for.
 */
final class StoredEntries implements PacketStore.EntryLayout {

  static final StoredEntries LAYOUT = new StoredEntries();
  private static final int KEY_OFFSET = 10;

  private StoredEntries() {}

  static byte[] entry(byte[] key, long staleUntil, int size) {
    ByteBuffer entry = ByteBuffer.allocate(Math.max(size, KEY_OFFSET + key.length));
    entry.putLong(staleUntil).putShort((short) key.length).put(key);
    return entry.array();
  }

  /** An A/IN key of {@code name} (presentation form), DO and CD off. */
  static byte[] key(String name) {
    return CacheKeys.key(Dns.name(name).toWireCanonical(), 1, DClass.IN, 0);
  }

  @Override
  public int keyOffset(byte[] entry) {
    return KEY_OFFSET;
  }

  @Override
  public int keyLength(byte[] entry) {
    return ByteBuffer.wrap(entry).getShort(8);
  }

  @Override
  public long staleUntil(byte[] entry) {
    return ByteBuffer.wrap(entry).getLong(0);
  }
}
