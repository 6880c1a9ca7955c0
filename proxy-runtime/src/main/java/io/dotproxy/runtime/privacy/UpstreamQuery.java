package io.dotproxy.runtime.privacy;

import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.WireRecordWalk;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The query as it leaves the proxy: what upstreams learn about the client. The client's message is
 * never changed (the cache may hold it); a rewritten query is a copy.
 *
 * <ul>
 *   <li>EDNS Client Subnet (RFC 7871) is removed when {@code strip-client-subnet} is on, towards DoT
 *       upstreams and forward zones alike: the client's network is nobody else's business.
 *   <li>Queries to DoT upstreams are padded (RFC 7830) to a multiple of 128 bytes, the block-length
 *       policy RFC 8467 recommends for queries, when {@code edns-padding} is on, so the length of
 *       the TLS record no longer tells the name. This may add an OPT record the client did not
 *       send; {@link ResponseShaper} never returns OPT to such a client.
 *   <li>Plain DNS is not padded (there is nothing to hide in a cleartext packet), and its EDNS UDP
 *       size is capped at {@value ResponseShaper#ADVERTISED_UDP_SIZE} (DNS flag day 2020): larger
 *       answers come over TCP instead of as IP fragments, which an off-path attacker can forge.
 *   <li>Queries to DoT upstreams ask for EDNS TCP keepalive (RFC 7828) with an empty option, every
 *       one of them (section 3.2.1 allows it), so that every answer can tell how long the upstream
 *       keeps the connection open ({@code ServerKeepalive} in the upstream package acts on it). The
 *       client's own keepalive option never leaves: it was meant for the proxy.
 *   <li>Recursion is always desired (RD=1), whatever the client's RD bit: one upstream query is
 *       shared by every client the cache coalesces onto it and by prefetches, so its answer must
 *       not depend on which client happened to ask first. Each client still sees its own RD echoed
 *       ({@link ResponseShaper}).
 * </ul>
 */
public final class UpstreamQuery {

  /** RFC 8467 section 4.1: clients pad queries to the closest multiple of 128 octets. */
  public static final int QUERY_BLOCK_SIZE = 128;

  /** RFC 7828 section 3.2.1: a client's edns-tcp-keepalive option has no TIMEOUT. */
  public static final EDNSOption KEEPALIVE_REQUEST =
      new GenericEDNSOption(EDNSOption.Code.TCP_KEEPALIVE, new byte[0]);

  private static final int MAX_MESSAGE_LENGTH = 65535;
  private static final int OPT_FIXED_LENGTH = 11; // root name, type, class, TTL, rdata length
  private static final int OPTION_HEADER = 4; // code, length

  /** RD is the lowest bit of the header's third byte (RFC 1035 section 4.1.1). */
  private static final byte RD_IN_THIRD_BYTE = 0x01;

  private final boolean pad;
  private final boolean stripClientSubnet;

  public UpstreamQuery(PrivacySettings settings) {
    this.pad = settings.ednsPadding();
    this.stripClientSubnet = settings.stripClientSubnet();
  }

  /**
   * The wire form of {@code query} for a DNS-over-TLS upstream (any message ID), RD set, asking
   * for keepalive.
   */
  public byte[] forDot(Message query) {
    byte[] wire = paddedForDot(query);
    wire[2] |= RD_IN_THIRD_BYTE;
    return wire;
  }

  /**
   * The same for a plain query's bytes ({@link PlainQuery#read} accepted them), built on the wire:
   * the client's header and question, then our OPT record with the client's UDP size and DO bit,
   * the client's padding only when we do not pad, an empty keepalive option, and our padding.
   * Byte for byte what {@link #forDot(Message)} makes of the same query.
   */
  public byte[] forDot(byte[] packet, PlainQuery query) {
    int questionEnd = PlainQuery.NAME_OFFSET + query.nameLength() + 4;
    int clientOptions = questionEnd + OPT_FIXED_LENGTH;
    int kept = query.edns() && !pad ? clientPadding(packet, clientOptions, null, 0) : 0;
    int unpadded = questionEnd + OPT_FIXED_LENGTH + kept + OPTION_HEADER + (pad ? OPTION_HEADER : 0);
    int fill = pad ? Math.floorMod(-unpadded, QUERY_BLOCK_SIZE) : 0;
    if (unpadded + fill > MAX_MESSAGE_LENGTH) {
      fill = 0;
    }
    byte[] wire = new byte[unpadded + fill];
    System.arraycopy(packet, 0, wire, 0, questionEnd);
    wire[2] |= RD_IN_THIRD_BYTE;
    WireRecordWalk.writeShort(wire, 4, 1);
    WireRecordWalk.writeShort(wire, 6, 0);
    WireRecordWalk.writeShort(wire, 8, 0);
    WireRecordWalk.writeShort(wire, 10, 1);
    int pos = questionEnd;
    wire[pos] = 0; // the root name
    WireRecordWalk.writeShort(wire, pos + 1, Type.OPT);
    WireRecordWalk.writeShort(wire, pos + 3, query.edns() ? query.udpPayloadSize() : ResponseShaper.ADVERTISED_UDP_SIZE);
    wire[pos + 7] = (byte) (query.dnssecOk() ? ExtendedFlags.DO >>> 8 : 0);
    WireRecordWalk.writeShort(wire, pos + 9, wire.length - pos - OPT_FIXED_LENGTH);
    pos += OPT_FIXED_LENGTH;
    if (kept > 0) {
      pos += clientPadding(packet, clientOptions, wire, pos);
    }
    WireRecordWalk.writeShort(wire, pos, EDNSOption.Code.TCP_KEEPALIVE);
    pos += OPTION_HEADER;
    if (pad) {
      WireRecordWalk.writeShort(wire, pos, EDNSOption.Code.PADDING);
      WireRecordWalk.writeShort(wire, pos + 2, fill);
    }
    return wire;
  }

  /**
   * The length of the client's padding options among its options from {@code options} to the end
   * of {@code packet}; copies them to {@code into} at {@code at} unless {@code into} is null.
   */
  private static int clientPadding(byte[] packet, int options, byte[] into, int at) {
    int total = 0;
    for (int pos = options; pos + 4 <= packet.length; ) {
      int length = 4 + WireRecordWalk.readShort(packet, pos + 2);
      if (WireRecordWalk.readShort(packet, pos) == EDNSOption.Code.PADDING) {
        if (into != null) {
          System.arraycopy(packet, pos, into, at + total, length);
        }
        total += length;
      }
      pos += length;
    }
    return total;
  }

  private byte[] paddedForDot(Message query) {
    OPTRecord opt = query.getOPT();
    int payloadSize = opt == null ? ResponseShaper.ADVERTISED_UDP_SIZE : opt.getPayloadSize();
    List<EDNSOption> options = opt == null ? new ArrayList<>() : forwardedOptions(opt);
    options.add(KEEPALIVE_REQUEST);
    if (!pad) {
      return withOpt(query, opt, options, payloadSize).toWire();
    }
    // A client's own padding was sized for its own message; ours replaces it.
    options.removeIf(option -> option.getCode() == EDNSOption.Code.PADDING);
    options.add(padding(0));
    byte[] unpadded = withOpt(query, opt, options, payloadSize).toWire();
    int fill = Math.floorMod(-unpadded.length, QUERY_BLOCK_SIZE);
    if (fill == 0 || unpadded.length + fill > MAX_MESSAGE_LENGTH) {
      return unpadded;
    }
    options.set(options.size() - 1, padding(fill));
    return withOpt(query, opt, options, payloadSize).toWire();
  }

  /**
   * A copy of {@code query} for a plain-DNS server: Client Subnet removed as configured, EDNS UDP
   * size capped. The caller owns the copy (and sets its ID).
   */
  public Message forPlainDns(Message query) {
    OPTRecord opt = query.getOPT();
    Message copy = opt == null
        ? query.clone()
        : withOpt(query, opt, forwardedOptions(opt),
            Math.min(opt.getPayloadSize(), ResponseShaper.ADVERTISED_UDP_SIZE));
    copy.getHeader().setFlag(Flags.RD);
    return copy;
  }

  private List<EDNSOption> forwardedOptions(OPTRecord opt) {
    List<EDNSOption> options = new ArrayList<>(opt.getOptions());
    options.removeIf(option -> dropped(option.getCode()));
    return options;
  }

  /**
   * Cookies (RFC 7873) and TCP keepalive (RFC 7828) belong to the client's hop: the upstream is not
   * the server the client's cookie was made for, and a client cookie is a stable identifier.
   */
  private boolean dropped(int code) {
    return code == EDNSOption.Code.COOKIE
        || code == EDNSOption.Code.TCP_KEEPALIVE
        || stripClientSubnet && code == EDNSOption.Code.CLIENT_SUBNET;
  }

  /** A copy of {@code query} whose OPT record (the client's header fields, if any) has these options. */
  private static Message withOpt(Message query, OPTRecord clientOpt, List<EDNSOption> options,
      int payloadSize) {
    Message copy = query.clone();
    for (Record record : new ArrayList<>(copy.getSection(Section.ADDITIONAL))) {
      if (record instanceof OPTRecord) {
        copy.removeRecord(record, Section.ADDITIONAL);
      }
    }
    int extendedRcode = clientOpt == null ? 0 : clientOpt.getExtendedRcode();
    int version = clientOpt == null ? 0 : clientOpt.getVersion();
    int flags = clientOpt == null ? 0 : clientOpt.getFlags();
    copy.addRecord(new OPTRecord(payloadSize, extendedRcode, version, flags, options),
        Section.ADDITIONAL);
    return copy;
  }

  private static EDNSOption padding(int length) {
    return new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[length]);
  }
}
