package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.ClientQuery;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * An upstream's answer is judged and stored as the bytes it sent ({@link StorePolicy#admit(byte[],
 * CacheKey, long)}): what it stores must answer like the decoded message would, and whatever it
 * cannot stand behind is not stored.
 */
class StoredBytesTest {

  private final KeyHasher hasher = KeyHasher.random();
  private final StorePolicy policy = new StorePolicy(CacheFixture.settings(100));
  private final ClientQuery query = Dns.query("www.test.", Type.A);
  private final CacheKey key = CacheKey.of(query, hasher);

  @Test
  void anOptRecordBeforeOtherAdditionalRecordsIsDroppedAndTheRestStillAnswers() throws Exception {
    Message answer = Dns.positive(query, 300);
    answer.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    answer.addRecord(Dns.a("glue.test.", 300, "192.0.2.9"), Section.ADDITIONAL);

    byte[] entry = policy.admit(answer.toWire(), key, 0);

    Message stored = CachedAnswer.copy(entry, 0);
    assertThat(stored.getOPT()).isNull();
    assertThat(stored.getSection(Section.ADDITIONAL)).hasSize(1);
    assertThat(stored.getSection(Section.ADDITIONAL).get(0).getName().toString()).isEqualTo("glue.test.");
  }

  @Test
  void theOptRecordIsCutOffTheEndAndNotCounted() throws Exception {
    Message answer = Dns.positive(query, 300);
    answer.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    byte[] wire = answer.toWire();

    byte[] entry = policy.admit(wire, key, 0);

    assertThat(CachedAnswer.answerLength(entry, false)).isEqualTo(wire.length - 11);
    Message stored = CachedAnswer.copy(entry, 0);
    assertThat(stored.getHeader().getCount(Section.ADDITIONAL)).isZero();
    assertThat(stored.getSection(Section.ANSWER)).hasSize(1);
  }

  @Test
  void anExtendedRcodeIsNotAPlainNoerror() {
    Message answer = Dns.positive(query, 300);
    answer.addRecord(new OPTRecord(1232, 1, 0), Section.ADDITIONAL); // BADVERS: 16

    assertThat(policy.admit(answer.toWire(), key, 0)).isNull();
  }

  @Test
  void anAnswerToAnotherQuestionOrWithACompressedQuestionIsNotStored() {
    Message other = Dns.positive(Dns.query("other.test.", Type.A), 300);
    assertThat(policy.admit(other.toWire(), key, 0)).isNull();
    Message otherType = Dns.positive(Dns.query("www.test.", Type.AAAA), 300);
    assertThat(policy.admit(otherType.toWire(), key, 0)).isNull();

    byte[] wire = Dns.positive(query, 300).toWire();
    byte[] pointing = Arrays.copyOf(wire, wire.length);
    pointing[12] = (byte) 0xC0; // the question name as a pointer
    pointing[13] = 12;
    assertThat(policy.admit(pointing, key, 0)).isNull();
  }

  @Test
  void truncatedMalformedOrFailedAnswersAreNotStored() {
    byte[] wire = Dns.positive(query, 300).toWire();
    assertThat(policy.admit(Arrays.copyOf(wire, wire.length - 3), key, 0)).isNull();
    Message truncated = Dns.positive(query, 300);
    truncated.getHeader().setFlag(Flags.TC);
    assertThat(policy.admit(truncated.toWire(), key, 0)).isNull();
    Message notAnAnswer = Dns.positive(query, 300);
    notAnAnswer.getHeader().unsetFlag(Flags.QR);
    assertThat(policy.admit(notAnAnswer.toWire(), key, 0)).isNull();
    assertThat(policy.admit(Dns.answer(query, Rcode.SERVFAIL).toWire(), key, 0)).isNull();
  }

  @Test
  void aKeyMadeFromThePacketEqualsTheKeyMadeFromTheDecodedQuery() {
    Message mixedCase = Dns.plainQuery("WwW.TeSt.", Type.A, true, false, false, "do", 1);
    var packet = Unpooled.wrappedBuffer(mixedCase.toWire());
    CacheKey fromPacket = CacheKey.of(packet, io.dotproxy.runtime.dns.PlainQuery.read(packet), hasher);

    assertThat(fromPacket).isEqualTo(CacheKey.of(Dns.decode(mixedCase), hasher));
    assertThat(fromPacket).isNotEqualTo(key); // DO is part of the key
  }
}
