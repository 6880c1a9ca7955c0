package io.dotproxy.runtime.crosscheck;

import static io.dotproxy.runtime.crosscheck.Answers.noerror;
import static io.dotproxy.runtime.crosscheck.Answers.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CrossCheckSettings.Compare;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** What counts as the same answer, in each mode. */
class AnswerComparisonTest {

  private static final String A1 = "www.example.test. 300 A 192.0.2.1";
  private static final String A2 = "www.example.test. 300 A 192.0.2.2";
  private static final String A3 = "www.example.test. 300 A 192.0.2.3";
  private static final String CNAME = "www.example.test. 300 CNAME edge.cdn.test.";

  @Test
  void orderTtlsAndCaseDoNotMatter() {
    Message first = noerror(A1, A2, CNAME);
    Message second = noerror("WWW.Example.TEST. 17 A 192.0.2.2", "www.example.test. 5 CNAME EDGE.cdn.TEST.",
        "www.EXAMPLE.test. 1 A 192.0.2.1");

    assertThat(AnswerComparison.agree(first, second, Compare.STRICT)).isTrue();
  }

  @Test
  void aDifferentAddressDiffersInBothModes() {
    Message honest = noerror(A1);
    Message forged = noerror("www.example.test. 300 A 198.51.100.66");

    assertThat(AnswerComparison.agree(honest, forged, Compare.STRICT)).isFalse();
    assertThat(AnswerComparison.agree(honest, forged, Compare.OVERLAP)).isFalse();
  }

  @Test
  void theRcodeMustBeTheSame() {
    Message nxdomain = Answers.of(Rcode.NXDOMAIN);
    Message nodata = Answers.of(Rcode.NOERROR);

    assertThat(AnswerComparison.agree(nxdomain, nodata, Compare.STRICT)).isFalse();
    assertThat(AnswerComparison.agree(nxdomain, nodata, Compare.OVERLAP)).isFalse();
    assertThat(AnswerComparison.agree(nxdomain, Answers.of(Rcode.NXDOMAIN), Compare.STRICT)).isTrue();
  }

  @Test
  void aRecordMoreOrLessIsADifference() {
    assertThat(AnswerComparison.agree(noerror(A1), noerror(A1, A2), Compare.STRICT)).isFalse();
    assertThat(AnswerComparison.agree(noerror(A1), noerror(), Compare.STRICT)).isFalse();
  }

  @Test
  void signaturesAndTheOtherSectionsAreNotCompared() {
    Message first = noerror(A1, "www.example.test. 300 RRSIG A 13 3 300 20270101000000 20260101000000 1 example.test."
        + " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    Message second = noerror(A1, "www.example.test. 300 RRSIG A 13 3 300 20270102000000 20260102000000 1 example.test."
        + " BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
    second.addRecord(record("example.test. 60 NS ns.example.test."), Section.AUTHORITY);
    second.addRecord(record("ns.example.test. 60 A 192.0.2.53"), Section.ADDITIONAL);

    assertThat(AnswerComparison.agree(first, second, Compare.STRICT)).isTrue();
  }

  @Test
  void overlapAcceptsAddressSetsThatShareAnAddress() {
    Message here = noerror(A1, A2);
    Message there = noerror(A2, A3);

    assertThat(AnswerComparison.agree(here, there, Compare.STRICT)).isFalse();
    assertThat(AnswerComparison.agree(here, there, Compare.OVERLAP)).isTrue();
    assertThat(AnswerComparison.agree(noerror(A1), noerror(A3), Compare.OVERLAP)).as("disjoint").isFalse();
  }

  @Test
  void overlapAcceptsTheSameCnameChainWhateverTheAddressesAtItsEnd() {
    Message here = noerror(CNAME, "edge.cdn.test. 20 A 192.0.2.10");
    Message there = noerror(CNAME, "edge.cdn.test. 20 A 198.51.100.10", "edge.cdn.test. 20 A 198.51.100.11");
    Message elsewhere = noerror("www.example.test. 300 CNAME evil.test.", "evil.test. 20 A 192.0.2.10");

    assertThat(AnswerComparison.agree(here, there, Compare.STRICT)).isFalse();
    assertThat(AnswerComparison.agree(here, there, Compare.OVERLAP)).isTrue();
    assertThat(AnswerComparison.agree(here, elsewhere, Compare.OVERLAP)).as("another chain").isFalse();
  }

  @Test
  void overlapStillComparesEverythingButAddressesStrictly() {
    Message first = noerror(A1, "www.example.test. 300 TXT \"one\"");
    Message second = noerror(A1, "www.example.test. 300 TXT \"two\"");

    assertThat(AnswerComparison.agree(first, second, Compare.OVERLAP)).isFalse();
  }

  @Test
  void theSummaryIsTheRcodeAndTheSortedRecordsWithoutTtls() {
    assertThat(AnswerComparison.summary(noerror(A2, A1)))
        .isEqualTo("NOERROR www.example.test. A 192.0.2.1; www.example.test. A 192.0.2.2");
    assertThat(AnswerComparison.summary(Answers.of(Rcode.NXDOMAIN))).isEqualTo("NXDOMAIN");
    String[] many = new String[10];
    for (int i = 0; i < many.length; i++) {
      many[i] = "www.example.test. 300 A 192.0.2." + (10 + i);
    }
    assertThat(AnswerComparison.summary(noerror(many))).endsWith("192.0.2.17; and 2 more");
  }
}
