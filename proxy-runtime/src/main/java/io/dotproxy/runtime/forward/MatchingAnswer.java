package io.dotproxy.runtime.forward;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Whether a packet answers the query we sent: a response, with our random ID and exactly our
 * question. Anything else (a late answer to an earlier try, a forgery guessing at the ID) is not
 * an answer.
 */
final class MatchingAnswer {

  private MatchingAnswer() {}

  /** The parsed answer, or null when {@code wire} is not the answer to query {@code id}. */
  static Message parse(ByteBuf wire, int id, Record question) {
    Message answer;
    try {
      answer = new Message(wire.nioBuffer());
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (answer.getHeader().getID() != id
        || !answer.getHeader().getFlag(Flags.QR)
        || answer.getHeader().getOpcode() != Opcode.QUERY
        || answer.getSection(Section.QUESTION).size() != 1) {
      return null;
    }
    Record asked = answer.getQuestion();
    if (!asked.getName().equals(question.getName())
        || asked.getType() != question.getType()
        || asked.getDClass() != question.getDClass()) {
      return null;
    }
    return answer;
  }
}
