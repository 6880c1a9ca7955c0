package io.dotproxy.runtime.dns;

/** Walking over domain names in a DNS message's wire form without decoding them. */
public final class WireNames {

  private WireNames() {}

  /**
   * The offset just past the name at {@code pos}, or -1 when it runs off the end or uses an
   * extended label type (RFC 6891 deprecated them).
   */
  public static int skip(byte[] wire, int pos) {
    while (pos >= 0 && pos < wire.length) {
      int length = wire[pos] & 0xFF;
      if (length == 0) {
        return pos + 1;
      }
      if ((length & 0xC0) == 0xC0) {
        return pos + 2 <= wire.length ? pos + 2 : -1; // a compression pointer ends the name
      }
      if ((length & 0xC0) != 0) {
        return -1;
      }
      pos += 1 + length;
    }
    return -1;
  }
}
