package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What makes two queries share an answer: the question and the two bits that change what an
 * upstream returns. DO asks for DNSSEC records; CD asks for data even when validation fails, so a
 * CD=1 answer must never reach a CD=0 client. {@link Name#equals} ignores ASCII case, so
 * {@code Example.COM} and {@code example.com} share an entry.
 */
record CacheKey(Name name, int type, int dclass, boolean dnssecOk, boolean checkingDisabled) {

  /** The key of a client's query, or null when its answer must not be cached or shared. */
  static CacheKey of(ClientQuery query) {
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
    return new CacheKey(question.getName(), type, question.getDClass(), dnssecOk, checkingDisabled);
  }
}
