package io.dotproxy.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSIDOption;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Reading the upstream's edns-tcp-keepalive TIMEOUT off an answer's wire form, and what it means for idle time. */
class ServerKeepaliveTest {

  @Test
  void readsTheTimeoutBehindTheAnswerRecordsAndOtherOptions() throws Exception {
    Message answer = answer();
    answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(
        new NSIDOption(new byte[] {1, 2, 3}), keepalive(0x01, 0x2C))), Section.ADDITIONAL);
    assertThat(ServerKeepalive.timeoutIn(answer.toWire())).isEqualTo(300); // 30 s
  }

  @Test
  void zeroIsATimeoutNotAnAbsence() throws Exception {
    Message answer = answer();
    answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(keepalive(0, 0))), Section.ADDITIONAL);
    assertThat(ServerKeepalive.timeoutIn(answer.toWire())).isZero();
  }

  @Test
  void anAnswerWithoutTheOptionOrWithoutEdnsHasNone() throws Exception {
    Message plain = answer();
    assertThat(ServerKeepalive.timeoutIn(plain.toWire())).isEqualTo(ServerKeepalive.ABSENT);
    Message otherOptions = answer();
    otherOptions.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new NSIDOption(new byte[4]))),
        Section.ADDITIONAL);
    assertThat(ServerKeepalive.timeoutIn(otherOptions.toWire())).isEqualTo(ServerKeepalive.ABSENT);
  }

  @Test
  void anOptionWithoutATwoByteTimeoutIsMalformedAndCountsAsAbsent() throws Exception {
    for (byte[] data : List.of(new byte[0], new byte[] {1}, new byte[] {0, 100, 0})) {
      Message answer = answer();
      answer.addRecord(new OPTRecord(1232, 0, 0, 0,
          List.of(new GenericEDNSOption(EDNSOption.Code.TCP_KEEPALIVE, data))), Section.ADDITIONAL);
      assertThat(ServerKeepalive.timeoutIn(answer.toWire())).as("%d bytes", data.length)
          .isEqualTo(ServerKeepalive.ABSENT);
    }
  }

  @Test
  void aMessageCutShortAnywhereNeverThrows() throws Exception {
    Message answer = answer();
    answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(keepalive(0, 100))), Section.ADDITIONAL);
    byte[] wire = answer.toWire();
    for (int length = 0; length < wire.length; length++) {
      int timeout = ServerKeepalive.timeoutIn(Arrays.copyOf(wire, length));
      assertThat(timeout).as("cut at %d", length).isEqualTo(ServerKeepalive.ABSENT);
    }
    assertThat(ServerKeepalive.timeoutIn(wire)).isEqualTo(100);
  }

  @Test
  void closesAQuarterOfTheServersTimeEarlyAtMostASecondAndNeverLaterThanOurOwnLimit() {
    Duration ours = Duration.ofSeconds(30);
    assertThat(ServerKeepalive.idleMillis(100, ours)).as("10 s").isEqualTo(9_000);
    assertThat(ServerKeepalive.idleMillis(20, ours)).as("2 s").isEqualTo(1_500);
    assertThat(ServerKeepalive.idleMillis(1, ours)).as("100 ms").isEqualTo(75);
    assertThat(ServerKeepalive.idleMillis(1200, ours)).as("120 s, Unbound's default").isEqualTo(30_000);
  }

  /** An answer with a compressed CNAME chain, so the walk must follow names of every shape. */
  private static Message answer() throws Exception {
    Name name = Name.fromString("www.example.test.");
    Name target = Name.fromString("cdn.example.test.");
    Message answer = new Message(0x1234);
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(Record.newRecord(name, Type.A, DClass.IN), Section.QUESTION);
    answer.addRecord(new CNAMERecord(name, DClass.IN, 60, target), Section.ANSWER);
    answer.addRecord(new ARecord(target, DClass.IN, 60, InetAddress.getByName("192.0.2.7")), Section.ANSWER);
    return answer;
  }

  private static EDNSOption keepalive(int high, int low) {
    return new GenericEDNSOption(EDNSOption.Code.TCP_KEEPALIVE, new byte[] {(byte) high, (byte) low});
  }
}
