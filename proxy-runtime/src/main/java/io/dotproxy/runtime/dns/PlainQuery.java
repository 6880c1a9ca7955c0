package io.dotproxy.runtime.dns;

import io.netty.buffer.ByteBuf;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The fields of an ordinary query read straight from its bytes, so that a cache hit is answered
 * without parsing the query with dnsjava. This is a hand-written fast path: in bench/, parsing and
 * re-encoding every hit took about half of the CPU per cache hit.
 *
 * <p>Only the common shape is read: a QUERY with one question, no answer or authority records,
 * and at most an OPT record (version 0) whose options are padding or a well-formed cookie. Every
 * other packet, including every malformed one, is left to {@link QueryDecoder}, so error answers
 * come from one place.
 *
 * @param id the query's ID
 * @param flags the header's flags word
 * @param nameLength the question name's length on the wire, starting at {@link #NAME_OFFSET}
 * @param type the question type
 * @param dclass the question class
 * @param edns whether the query has an OPT record
 * @param dnssecOk the OPT record's DO bit
 * @param udpPayloadSize the OPT record's UDP payload size, 0 without EDNS
 */
public record PlainQuery(int id, int flags, int nameLength, int type, int dclass, boolean edns,
    boolean dnssecOk, int udpPayloadSize) {

  public static final int NAME_OFFSET = 12;

  private static final int QR_AND_OPCODE = 0xF800;
  private static final int MAX_NAME_LENGTH = 255;
  private static final int OPT_FIXED_LENGTH = 11; // root name, type, class, TTL, rdata length
  private static final int CLIENT_COOKIE_LENGTH = 8;
  private static final int MIN_COOKIES_LENGTH = 16;
  private static final int MAX_COOKIES_LENGTH = 40;

  /** The query in {@code packet} (from its reader index on), or null when it is not plain. */
  public static PlainQuery read(ByteBuf packet) {
    int start = packet.readerIndex();
    int end = packet.writerIndex();
    if (end - start < NAME_OFFSET + 5) {
      return null;
    }
    int flags = packet.getUnsignedShort(start + 2);
    if ((flags & QR_AND_OPCODE) != 0
        || packet.getUnsignedShort(start + 4) != 1
        || packet.getUnsignedShort(start + 6) != 0
        || packet.getUnsignedShort(start + 8) != 0) {
      return null;
    }
    int additional = packet.getUnsignedShort(start + 10);
    if (additional > 1) {
      return null;
    }
    int nameLength = nameLength(packet, start + NAME_OFFSET, end);
    int pos = start + NAME_OFFSET + nameLength;
    if (nameLength < 0 || pos + 4 > end) {
      return null;
    }
    int type = packet.getUnsignedShort(pos);
    int dclass = packet.getUnsignedShort(pos + 2);
    pos += 4;
    if (type == Type.OPT || type == Type.AXFR || type == Type.IXFR) {
      return null;
    }
    int id = packet.getUnsignedShort(start);
    if (additional == 0) {
      return pos == end ? new PlainQuery(id, flags, nameLength, type, dclass, false, false, 0) : null;
    }
    if (pos + OPT_FIXED_LENGTH > end
        || packet.getByte(pos) != 0
        || packet.getUnsignedShort(pos + 1) != Type.OPT
        || packet.getByte(pos + 6) != 0) { // version 0; others get BADVERS from the decoder
      return null;
    }
    int payloadSize = packet.getUnsignedShort(pos + 3);
    boolean dnssecOk = (packet.getUnsignedShort(pos + 7) & ExtendedFlags.DO) != 0;
    int optionsLength = packet.getUnsignedShort(pos + 9);
    pos += OPT_FIXED_LENGTH;
    if (pos + optionsLength != end || !harmlessOptions(packet, pos, end)) {
      return null;
    }
    return new PlainQuery(id, flags, nameLength, type, dclass, true, dnssecOk, payloadSize);
  }

  /**
   * The first question's type, read from the packet's bytes (from its reader index on) without
   * decoding it, or -1 when there is no question to read: for counting queries by type before
   * anything else is done with them.
   */
  public static int questionType(ByteBuf packet) {
    int start = packet.readerIndex();
    int end = packet.writerIndex();
    if (end - start < NAME_OFFSET + 5 || packet.getUnsignedShort(start + 4) == 0) {
      return -1;
    }
    int nameLength = nameLength(packet, start + NAME_OFFSET, end);
    int pos = start + NAME_OFFSET + nameLength;
    return nameLength < 0 || pos + 2 > end ? -1 : packet.getUnsignedShort(pos);
  }

  public boolean checkingDisabled() {
    return (flags & bit(Flags.CD)) != 0;
  }

  /** Which header bits and EDNS an answer must echo; DO and CD are part of the cache key. */
  public int answerVariant() {
    return (edns ? 4 : 0)
        | ((flags & bit(Flags.RD)) != 0 ? 2 : 0)
        | ((flags & bit(Flags.AD)) != 0 ? 1 : 0);
  }

  public static final int ANSWER_VARIANTS = 8;

  /** The largest answer this client takes, by the same rule as {@link QueryDecoder}. */
  public int maxResponseSize(boolean udp, int udpMaxSize) {
    return udp ? ClientQuery.udpLimit(udpPayloadSize, udpMaxSize) : ClientQuery.TCP_MAX_SIZE;
  }

  /**
   * A query with this one's header bits and EDNS but {@code question} and ID 0, to shape an
   * answer once for every client that sends a query like this one.
   */
  public ClientQuery likeThis(Record question) {
    Message message = new Message(0);
    for (int flag : new int[] {Flags.RD, Flags.AD, Flags.CD}) {
      if ((flags & bit(flag)) != 0) {
        message.getHeader().setFlag(flag);
      }
    }
    message.addRecord(question, Section.QUESTION);
    OPTRecord opt = edns
        ? new OPTRecord(udpPayloadSize, 0, 0, dnssecOk ? ExtendedFlags.DO : 0)
        : null;
    return new ClientQuery(message, question, opt, ClientQuery.TCP_MAX_SIZE);
  }

  /**
   * {@code template}, shaped for a query like this one, made this query's answer: its ID, and its
   * question name in the exact case it was sent (the names are equal but for case).
   */
  public byte[] answer(byte[] template, ByteBuf packet) {
    byte[] answer = template.clone();
    answer[0] = (byte) (id >>> 8);
    answer[1] = (byte) id;
    packet.getBytes(packet.readerIndex() + NAME_OFFSET, answer, NAME_OFFSET, nameLength);
    return answer;
  }

  /** A header flag's bit in the flags word (dnsjava numbers flags from the top bit down). */
  private static int bit(int flag) {
    return 1 << (15 - flag);
  }

  /** The length of the uncompressed name at {@code pos}, or -1. */
  private static int nameLength(ByteBuf packet, int pos, int end) {
    int start = pos;
    while (pos < end) {
      int length = packet.getUnsignedByte(pos);
      if (length == 0) {
        int total = pos + 1 - start;
        return total <= MAX_NAME_LENGTH ? total : -1;
      }
      if ((length & 0xC0) != 0) {
        return -1; // a pointer or an extended label type: the decoder's business
      }
      pos += 1 + length;
    }
    return -1;
  }

  /**
   * Options that change nothing in a cached answer and that dnsjava would accept: padding, and
   * cookies of a valid length (they belong to this hop and are not echoed). Client Subnet and the
   * rest take the full path.
   */
  private static boolean harmlessOptions(ByteBuf packet, int pos, int end) {
    while (pos < end) {
      if (pos + 4 > end) {
        return false;
      }
      int code = packet.getUnsignedShort(pos);
      int length = packet.getUnsignedShort(pos + 2);
      pos += 4 + length;
      if (pos > end) {
        return false;
      }
      boolean cookie = code == EDNSOption.Code.COOKIE && (length == CLIENT_COOKIE_LENGTH
          || (length >= MIN_COOKIES_LENGTH && length <= MAX_COOKIES_LENGTH));
      if (!cookie && code != EDNSOption.Code.PADDING) {
        return false;
      }
    }
    return true;
  }
}
