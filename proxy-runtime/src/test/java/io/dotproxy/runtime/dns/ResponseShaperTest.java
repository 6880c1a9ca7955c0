package io.dotproxy.runtime.dns;

import static io.dotproxy.runtime.dns.QueryDecoderTest.query;
import static io.dotproxy.runtime.dns.QueryDecoderTest.resolve;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class ResponseShaperTest {

  @Test
  void restoresTheClientsIdAndQuestionCase() throws Exception {
    ClientQuery query = resolve(query("MiXeD.TeSt.", Type.A).toWire(), true);
    Message upstream = answerFor("mixed.test.", 5);
    upstream.getHeader().setID(4242);
    Message shaped = new Message(ResponseShaper.shape(query, upstream));
    assertThat(shaped.getHeader().getID()).isEqualTo(query.id());
    assertThat(shaped.getQuestion().getName().toString()).isEqualTo("MiXeD.TeSt.");
    assertThat(shaped.getSection(Section.ANSWER)).hasSize(5);
  }

  @Test
  void neverAddsOptForAClientWithoutEdns() throws Exception {
    ClientQuery query = resolve(query("a.test.", Type.A).toWire(), true);
    Message upstream = answerFor("a.test.", 1);
    upstream.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    Message shaped = new Message(ResponseShaper.shape(query, upstream));
    assertThat(shaped.getOPT()).isNull();
  }

  @Test
  void answersEdnsWithEdnsKeepingEndToEndOptionsOnly() throws Exception {
    Message clientQuery = query("a.test.", Type.A);
    clientQuery.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
    ClientQuery query = resolve(clientQuery.toWire(), true);
    Message upstream = answerFor("a.test.", 1);
    List<EDNSOption> options = List.of(
        new CookieOption(new byte[8], new byte[8]),
        new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[40]),
        new GenericEDNSOption(EDNSOption.Code.TCP_KEEPALIVE, new byte[] {0, 100}),
        new ExtendedErrorCodeOption(ExtendedErrorCodeOption.STALE_ANSWER),
        new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0")));
    upstream.addRecord(new OPTRecord(4096, 0, 0, 0, options), Section.ADDITIONAL);
    Message shaped = new Message(ResponseShaper.shape(query, upstream));
    OPTRecord opt = shaped.getOPT();
    assertThat(opt.getPayloadSize()).isEqualTo(ResponseShaper.ADVERTISED_UDP_SIZE);
    assertThat(opt.getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    assertThat(opt.getOptions()).extracting(EDNSOption::getCode)
        .containsExactly(EDNSOption.Code.EDNS_EXTENDED_ERROR, EDNSOption.Code.CLIENT_SUBNET);
    assertThat(shaped.getSection(Section.ADDITIONAL)).hasSize(1);
  }

  @Test
  void addsOptWhenTheClientHadItAndTheUpstreamDidNot() throws Exception {
    Message clientQuery = query("a.test.", Type.A);
    clientQuery.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    Message shaped = new Message(ResponseShaper.shape(resolve(clientQuery.toWire(), true), answerFor("a.test.", 1)));
    assertThat(shaped.getOPT()).isNotNull();
  }

  @Test
  void truncatesUdpAnswersToTheClientsSizeWithTc() throws Exception {
    ClientQuery classic = resolve(query("big.test.", Type.TXT).toWire(), true);
    byte[] wire = ResponseShaper.shape(classic, bigAnswer("big.test."));
    assertThat(wire.length).isLessThanOrEqualTo(512);
    Message truncated = new Message(wire);
    assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(truncated.getQuestion().getName()).isEqualTo(Name.fromString("big.test."));

    Message ednsQuery = query("big.test.", Type.TXT);
    ednsQuery.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    byte[] ednsWire = ResponseShaper.shape(resolve(ednsQuery.toWire(), true), bigAnswer("big.test."));
    assertThat(ednsWire.length).isLessThanOrEqualTo(1232);
    assertThat(new Message(ednsWire).getOPT()).as("OPT survives truncation").isNotNull();
  }

  @Test
  void tcpCarriesLargeAnswersWhole() throws Exception {
    ClientQuery tcp = resolve(query("big.test.", Type.TXT).toWire(), false);
    Message whole = new Message(ResponseShaper.shape(tcp, bigAnswer("big.test.")));
    assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(whole.getSection(Section.ANSWER)).hasSize(40);
    assertThat(whole.numBytes()).isGreaterThan(8000);
  }

  @Test
  void servfailEchoesTheQuestionAndFlags() throws Exception {
    Message clientQuery = query("Down.Test.", Type.AAAA);
    clientQuery.getHeader().setFlag(Flags.CD);
    ClientQuery query = resolve(clientQuery.toWire(), true);
    Message shaped = new Message(ResponseShaper.shape(query, Responses.servfail(query)));
    assertThat(shaped.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(shaped.getQuestion().getName().toString()).isEqualTo("Down.Test.");
    assertThat(shaped.getHeader().getFlag(Flags.RD)).isTrue();
    assertThat(shaped.getHeader().getFlag(Flags.CD)).isTrue();
    assertThat(shaped.getHeader().getFlag(Flags.QR)).isTrue();
    assertThat(shaped.getHeader().getID()).isEqualTo(query.id());
  }

  private static Message answerFor(String name, int count) throws Exception {
    Message answer = query(name, Type.A);
    answer.getHeader().setFlag(Flags.QR);
    for (int i = 0; i < count; i++) {
      answer.addRecord(new ARecord(Name.fromString(name), DClass.IN, 60,
          InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) i})), Section.ANSWER);
    }
    return answer;
  }

  private static Message bigAnswer(String name) throws Exception {
    Message answer = query(name, Type.TXT);
    answer.getHeader().setFlag(Flags.QR);
    for (int i = 0; i < 40; i++) {
      answer.addRecord(new TXTRecord(Name.fromString(name), DClass.IN, 60, "x".repeat(200) + i), Section.ANSWER);
    }
    return answer;
  }
}
