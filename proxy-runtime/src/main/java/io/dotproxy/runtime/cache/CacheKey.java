package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.WireRecordWalk;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.xbill.DNS.DNSInput;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * What makes two queries share an answer: the question and the two bits that change what an
 * upstream returns. DO asks for DNSSEC records; CD asks for data even when validation fails, so a
 * CD=1 answer must never reach a CD=0 client. The name is kept in its canonical wire form (ASCII
 * lower-cased, as {@link Name#toWireCanonical} makes it), so {@code Example.COM} and
 * {@code example.com} share an entry, and a key can be made from a packet's bytes without parsing.
 * The name's hash is keyed by the cache's secret ({@link KeyHasher}).
 */
final class CacheKey {

  /** The canonical name, then type, class and the DO and CD bits ({@link CacheKeys}). */
  private final byte[] bytes;
  private final int nameLength;
  private final int hash;

  private CacheKey(byte[] canonicalName, int type, int dclass, boolean dnssecOk,
      boolean checkingDisabled, KeyHasher hasher) {
    this.nameLength = canonicalName.length;
    this.bytes = CacheKeys.key(canonicalName, type, dclass, CacheKeys.bits(dnssecOk, checkingDisabled));
    this.hash = hasher.hash(bytes);
  }

  /** The key of a client's query, or null when its answer must not be cached or shared. */
  static CacheKey of(ClientQuery query, KeyHasher hasher) {
    Record question = query.question();
    int type = question.getType();
    if (type == Type.AXFR || type == Type.IXFR) {
      return null; // zone transfers are streams of messages, not answers
    }
    if (query.clientOpt() != null
        && !query.clientOpt().getOptions(EDNSOption.Code.CLIENT_SUBNET).isEmpty()) {
      return null; // the answer may be tailored to the client's subnet (RFC 7871)
    }
    boolean dnssecOk = query.clientOpt() != null
        && (query.clientOpt().getFlags() & ExtendedFlags.DO) != 0;
    boolean checkingDisabled = query.message().getHeader().getFlag(Flags.CD);
    return new CacheKey(question.getName().toWireCanonical(), type, question.getDClass(),
        dnssecOk, checkingDisabled, hasher);
  }

  /** The key of a plain query in {@code packet}; {@link PlainQuery} excludes what is never cached. */
  static CacheKey of(ByteBuf packet, PlainQuery query, KeyHasher hasher) {
    byte[] name = new byte[query.nameLength()];
    packet.getBytes(packet.readerIndex() + PlainQuery.NAME_OFFSET, name);
    for (int i = 0; i < name.length; i++) {
      // Length bytes are at most 63, below 'A', so only label characters change.
      if (name[i] >= 'A' && name[i] <= 'Z') {
        name[i] += 'a' - 'A';
      }
    }
    return new CacheKey(name, query.type(), query.dclass(), query.dnssecOk(),
        query.checkingDisabled(), hasher);
  }

  int type() {
    return WireRecordWalk.readShort(bytes, nameLength);
  }

  int dclass() {
    return WireRecordWalk.readShort(bytes, nameLength + 2);
  }

  /** The key's bytes, as {@link CachedAnswer} keeps them. */
  byte[] bytes() {
    return bytes;
  }

  /**
   * Where the question of {@code answer} (a message's wire form) ends when it asks what this key
   * stands for: the name uncompressed and equal but for ASCII case, then the same type and class;
   * -1 otherwise.
   */
  int questionEnd(byte[] answer) {
    int start = WireRecords.HEADER_LENGTH;
    int end = start + nameLength + 4;
    if (answer.length < end) {
      return -1;
    }
    for (int i = 0; i < nameLength + 4; i++) {
      byte b = answer[start + i];
      if (i < nameLength && b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
      }
      if (b != bytes[i]) {
        return -1;
      }
    }
    return end;
  }

  /** The key's name as dnsjava's {@link Name}, to match it against zones. */
  Name name() {
    try {
      return new Name(new DNSInput(Arrays.copyOf(bytes, nameLength)));
    } catch (WireParseException e) {
      throw new IllegalStateException("a cache key holds a name that does not parse", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CacheKey key && hash == key.hash && Arrays.equals(bytes, key.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
