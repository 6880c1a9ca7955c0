package io.dotproxy.runtime.upstream;

import io.netty.buffer.ByteBuf;

/**
 * Compares an answer's question with the query's directly on the wire, so that an answer the
 * upstream sent for another query (a reused ID after a timeout) is never passed on, without
 * parsing the whole message on the connection's hot path.
 */
final class WireQuestions {

  private static final int HEADER_LENGTH = 12;

  private WireQuestions() {}

  /** Length of the first question (name, type, class), or -1 when the query has none. */
  static int questionLength(byte[] wire) {
    int pos = HEADER_LENGTH;
    if (wire.length <= pos || ((wire[4] & 0xFF) << 8 | (wire[5] & 0xFF)) == 0) {
      return -1;
    }
    while (pos < wire.length) {
      int labelLength = wire[pos] & 0xFF;
      if (labelLength == 0) {
        int end = pos + 1 + 4;
        return end <= wire.length ? end - HEADER_LENGTH : -1;
      }
      if (labelLength > 63) {
        return -1; // a compression pointer cannot occur in the first name
      }
      pos += 1 + labelLength;
    }
    return -1;
  }

  /**
   * Whether the answer's first question equals the query's: the name ignoring ASCII case (RFC 4343),
   * type and class exactly. (Case-folding the type too made an answer for type 97 pass for an HTTPS
   * query, type 65: 0x41 and 0x61 are 'A' and 'a'.)
   */
  static boolean sameQuestion(byte[] query, int questionLength, ByteBuf answer) {
    if (questionLength < 0) {
      return true;
    }
    int base = answer.readerIndex() + HEADER_LENGTH;
    if (answer.readableBytes() < HEADER_LENGTH + questionLength
        || answer.getUnsignedShort(answer.readerIndex() + 4) < 1) {
      return false;
    }
    int nameLength = questionLength - 4; // type and class follow the name, compared exactly
    for (int i = 0; i < questionLength; i++) {
      byte asked = query[HEADER_LENGTH + i];
      byte answered = answer.getByte(base + i);
      if (i < nameLength ? lower(asked) != lower(answered) : asked != answered) {
        return false;
      }
    }
    return true;
  }

  private static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }
}
