package io.dotproxy.runtime.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class QueryDecoderTest {

  @Test
  void acceptsAnOrdinaryQueryAndRemembersTheClientsLimits() {
    Message query = query("Example.COM.", Type.A);
    query.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    ClientQuery decoded = resolve(query.toWire(), true);
    assertThat(decoded.id()).isEqualTo(query.getHeader().getID());
    assertThat(decoded.question().getName().toString()).isEqualTo("Example.COM.");
    assertThat(decoded.usesEdns()).isTrue();
    assertThat(decoded.maxResponseSize()).as("capped at the DNS Flag Day size").isEqualTo(1232);
  }

  @Test
  void theUdpCapIsTheClientsSizeWhenSmallerAndTheSettingOtherwise() {
    Message query = query("a.test.", Type.A);
    query.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    assertThat(decodedWithCap(query, 2048).maxResponseSize()).isEqualTo(2048);
    Message modest = query("a.test.", Type.A);
    modest.addRecord(new OPTRecord(1000, 0, 0), Section.ADDITIONAL);
    assertThat(decodedWithCap(modest, 2048).maxResponseSize()).isEqualTo(1000);
  }

  private static ClientQuery decodedWithCap(Message query, int udpMaxSize) {
    return ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true, udpMaxSize)).query();
  }

  @Test
  void udpLimitIs512WithoutEdnsAndNeverBelow512() {
    assertThat(resolve(query("a.test.", Type.A).toWire(), true).maxResponseSize()).isEqualTo(512);
    Message tiny = query("a.test.", Type.A);
    tiny.addRecord(new OPTRecord(100, 0, 0), Section.ADDITIONAL);
    assertThat(resolve(tiny.toWire(), true).maxResponseSize()).isEqualTo(512);
    assertThat(resolve(query("a.test.", Type.A).toWire(), false).maxResponseSize()).isEqualTo(65535);
  }

  @Test
  void dropsWhatHasNoHeaderOrIsAResponse() {
    assertThat(QueryDecoder.decode(ByteBuffer.wrap(new byte[11]), true)).isInstanceOf(DecodedQuery.Drop.class);
    Message response = query("a.test.", Type.A);
    response.getHeader().setFlag(Flags.QR);
    assertThat(QueryDecoder.decode(ByteBuffer.wrap(response.toWire()), true)).isInstanceOf(DecodedQuery.Drop.class);
  }

  @Test
  void garbageAfterAHeaderGetsFormerrWithTheSameId() throws Exception {
    byte[] wire = query("a.test.", Type.A).toWire();
    byte[] broken = Arrays.copyOf(wire, 16); // question cut off mid-name
    broken[0] = 0x12;
    broken[1] = 0x34;
    Message answer = reply(broken);
    assertThat(answer.getHeader().getID()).isEqualTo(0x1234);
    assertThat(answer.getRcode()).isEqualTo(Rcode.FORMERR);
    assertThat(answer.getHeader().getFlag(Flags.QR)).isTrue();
    assertThat(answer.getHeader().getFlag(Flags.RD)).isTrue();
  }

  @Test
  void otherOpcodesGetNotimp() throws Exception {
    Message notify = query("a.test.", Type.SOA);
    notify.getHeader().setOpcode(Opcode.NOTIFY);
    Message answer = reply(notify.toWire());
    assertThat(answer.getRcode()).isEqualTo(Rcode.NOTIMP);
    assertThat(answer.getHeader().getOpcode()).isEqualTo(Opcode.NOTIFY);
  }

  @Test
  void questionCountOtherThanOneGetsFormerr() throws Exception {
    Message two = query("a.test.", Type.A);
    two.addRecord(Record.newRecord(Name.fromString("b.test."), Type.A, DClass.IN), Section.QUESTION);
    assertThat(reply(two.toWire()).getRcode()).isEqualTo(Rcode.FORMERR);
    Message none = new Message();
    assertThat(reply(none.toWire()).getRcode()).isEqualTo(Rcode.FORMERR);
  }

  @Test
  void twoOptRecordsGetFormerr() throws Exception {
    Message query = query("a.test.", Type.A);
    query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    assertThat(reply(query.toWire()).getRcode()).isEqualTo(Rcode.FORMERR);
  }

  @Test
  void unknownEdnsVersionGetsBadvers() throws Exception {
    Message query = query("a.test.", Type.A);
    query.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
    Message answer = reply(query.toWire());
    assertThat(answer.getRcode()).isEqualTo(Rcode.BADVERS);
    assertThat(answer.getOPT().getVersion()).isZero();
    assertThat(answer.getQuestion().getName()).isEqualTo(Name.fromString("a.test."));
  }

  @Test
  void keepsOptionsOfTheClientForTheUpstream() {
    Message query = query("a.test.", Type.A);
    query.addRecord(new OPTRecord(1232, 0, 0, 0, List.<EDNSOption>of()), Section.ADDITIONAL);
    assertThat(resolve(query.toWire(), true).clientOpt()).isNotNull();
  }

  static Message query(String name, int type) {
    try {
      return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ClientQuery resolve(byte[] wire, boolean udp) {
    DecodedQuery decoded = QueryDecoder.decode(ByteBuffer.wrap(wire), udp);
    assertThat(decoded).isInstanceOf(DecodedQuery.Resolve.class);
    return ((DecodedQuery.Resolve) decoded).query();
  }

  private static Message reply(byte[] wire) throws Exception {
    DecodedQuery decoded = QueryDecoder.decode(ByteBuffer.wrap(wire), true);
    assertThat(decoded).isInstanceOf(DecodedQuery.Reply.class);
    return new Message(((DecodedQuery.Reply) decoded).wire());
  }
}
