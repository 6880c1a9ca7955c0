package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What makes two queries share an answer: the question and the two bits that change what an
 * upstream returns. DO asks for DNSSEC records; CD asks for data even when validation fails, so a
 * CD=1 answer must never reach a CD=0 client. The name is kept in its canonical wire form (ASCII
 * lower-cased, as {@link Name#toWireCanonical} makes it), so {@code Example.COM} and
 * {@code example.com} share an entry, and a key can be made from a packet's bytes without parsing.
 * The name's hash is keyed by the cache's secret ({@link KeyHasher}).
 */
final class CacheKey {

  private final byte[] canonicalName;
  private final int type;
  private final int dclass;
  private final boolean dnssecOk;
  private final boolean checkingDisabled;
  private final int hash;

  private CacheKey(byte[] canonicalName, int type, int dclass, boolean dnssecOk,
      boolean checkingDisabled, KeyHasher hasher) {
    this.canonicalName = canonicalName;
    this.type = type;
    this.dclass = dclass;
    this.dnssecOk = dnssecOk;
    this.checkingDisabled = checkingDisabled;
    this.hash = 31 * (31 * hasher.hash(canonicalName) + type) + dclass
        + (dnssecOk ? 1 << 20 : 0) + (checkingDisabled ? 1 << 21 : 0);
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
    return type;
  }

  int dclass() {
    return dclass;
  }

  boolean hasName(Name name) {
    return Arrays.equals(canonicalName, name.toWireCanonical());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CacheKey key
        && hash == key.hash
        && type == key.type
        && dclass == key.dclass
        && dnssecOk == key.dnssecOk
        && checkingDisabled == key.checkingDisabled
        && Arrays.equals(canonicalName, key.canonicalName);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
