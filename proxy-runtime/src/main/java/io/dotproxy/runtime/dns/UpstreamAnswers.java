package io.dotproxy.runtime.dns;

import java.io.IOException;
import org.xbill.DNS.Message;

/** Decoding an upstream's answer where only a decoded message will do. */
public final class UpstreamAnswers {

  private UpstreamAnswers() {}

  /** The answer decoded, or null when it does not parse: an answer we cannot read counts as none. */
  public static Message decode(byte[] wire) {
    try {
      return new Message(wire);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
