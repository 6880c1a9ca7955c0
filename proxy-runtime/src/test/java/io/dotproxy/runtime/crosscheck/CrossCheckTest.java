package io.dotproxy.runtime.crosscheck;

import static io.dotproxy.runtime.crosscheck.Answers.noerror;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CrossCheckSettings;
import io.dotproxy.runtime.config.CrossCheckSettings.Compare;
import io.dotproxy.runtime.config.CrossCheckSettings.OnMismatch;
import io.dotproxy.runtime.config.CrossCheckSettings.OnUnverified;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.QueryTrace;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** What the client gets from the answers, which upstreams are asked, and what is counted. */
class CrossCheckTest {

  private static final Message HONEST = noerror("www.example.test. 300 A 192.0.2.1");
  private static final Message HONEST_AGAIN = noerror("www.example.test. 60 A 192.0.2.1");
  private static final Message FORGED = noerror("www.example.test. 300 A 198.51.100.66");
  private static final Message OTHER = noerror("www.example.test. 300 A 203.0.113.7");

  private final ProxyMetrics metrics = new ProxyMetrics();

  @Test
  void answersThatAgreeGoToTheClientWhateverTheSetting() {
    for (OnMismatch onMismatch : OnMismatch.values()) {
      Verdict verdict = check(3, Compare.STRICT, onMismatch, OnUnverified.SERVFAIL)
          .decide(List.of(HONEST, HONEST_AGAIN, HONEST));
      assertThat(verdict).isEqualTo(new Verdict(Verdict.Result.AGREED, Verdict.Action.ANSWER, 0));
    }
  }

  @Test
  void onAMismatchServfailFirstOrMajorityDecides() {
    List<Message> twoDiffer = List.of(FORGED, HONEST);
    assertThat(check(2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.SERVFAIL).decide(twoDiffer))
        .isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1));
    assertThat(check(2, Compare.STRICT, OnMismatch.FIRST, OnUnverified.SERVFAIL).decide(twoDiffer))
        .isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.FIRST, 0));

    CrossCheck majority = check(3, Compare.STRICT, OnMismatch.MAJORITY, OnUnverified.SERVFAIL);
    assertThat(majority.decide(List.of(FORGED, HONEST, HONEST_AGAIN)))
        .as("the forged answer came first, two others outvote it")
        .isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.MAJORITY, 1));
    assertThat(majority.decide(List.of(FORGED, HONEST, OTHER))).as("three different answers: no majority")
        .isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1));
    assertThat(majority.decide(List.of(FORGED, HONEST))).as("one upstream failed, the two answers differ")
        .isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1));
  }

  /** Overlap is not transitive: the middle answer shares an address with each of the others, which share none. */
  @Test
  void inOverlapModeTheMajorityIsAnAnswerMoreThanHalfAgreeWith() {
    Message left = noerror("www.example.test. 300 A 192.0.2.1", "www.example.test. 300 A 192.0.2.2");
    Message middle = noerror("www.example.test. 300 A 192.0.2.2", "www.example.test. 300 A 192.0.2.3");
    Message right = noerror("www.example.test. 300 A 192.0.2.3", "www.example.test. 300 A 192.0.2.4");

    Verdict verdict = check(3, Compare.OVERLAP, OnMismatch.MAJORITY, OnUnverified.SERVFAIL)
        .decide(List.of(left, middle, right));

    assertThat(verdict).isEqualTo(new Verdict(Verdict.Result.MISMATCH, Verdict.Action.MAJORITY, 1));
  }

  @Test
  void aSingleAnswerIsUnverified() {
    assertThat(check(2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.SERVFAIL).decide(List.of(HONEST)))
        .isEqualTo(new Verdict(Verdict.Result.UNVERIFIED, Verdict.Action.SERVFAIL, -1));
    assertThat(check(2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.ANSWER).decide(List.of(HONEST)))
        .isEqualTo(new Verdict(Verdict.Result.UNVERIFIED, Verdict.Action.ANSWER, 0));
  }

  @Test
  void upstreamsOfDifferentOperatorsAreAskedFirst() {
    UpstreamSpec cloudflare = upstream("1.1.1.1", "cloudflare-dns.com");
    UpstreamSpec cloudflareToo = upstream("1.0.0.1", "Cloudflare-DNS.com");
    UpstreamSpec quad9 = upstream("9.9.9.9", "dns.quad9.net");
    UpstreamSpec quad9Too = upstream("149.112.112.11", "dns11.quad9.net");
    UpstreamSpec google = upstream("8.8.8.8", "dns.google");
    List<UpstreamSpec> ordered = List.of(cloudflare, cloudflareToo, quad9Too, quad9, google);

    assertThat(CrossCheck.distinctOperatorsFirst(ordered, CrossCheck::operatorOf, 2))
        .containsExactly(cloudflare, quad9Too, cloudflareToo, quad9, google);
    assertThat(CrossCheck.distinctOperatorsFirst(ordered, CrossCheck::operatorOf, 3))
        .containsExactly(cloudflare, quad9Too, google, cloudflareToo, quad9);
    assertThat(CrossCheck.distinctOperatorsFirst(List.of(cloudflare, cloudflareToo, quad9), CrossCheck::operatorOf, 3))
        .as("too few operators: the policy's order fills up").containsExactly(cloudflare, quad9, cloudflareToo);
  }

  @Test
  void theOperatorIsTheTlsNamesLastTwoLabelsOrTheAddress() {
    assertThat(CrossCheck.operatorOf(upstream("9.9.9.9", "dns.quad9.net"))).isEqualTo("quad9.net");
    assertThat(CrossCheck.operatorOf(upstream("8.8.8.8", "dns.google"))).isEqualTo("dns.google");
    assertThat(CrossCheck.operatorOf(upstream("192.0.2.53", "resolver"))).isEqualTo("resolver");
    assertThat(CrossCheck.operatorOf(upstream("2001:db8::53", null))).isEqualTo("2001:db8::53");
  }

  /** Every series exists at 0 before the first query, so that rate() and alerts see it. */
  @Test
  void mismatchesAndUnverifiedAnswersAreCountedByAction() throws IOException {
    assertThat(scrape()).contains(
        "dotproxy_crosscheck_comparisons_total 0.0",
        "dotproxy_crosscheck_mismatches_total{action=\"servfail\"} 0.0",
        "dotproxy_crosscheck_mismatches_total{action=\"majority\"} 0.0",
        "dotproxy_crosscheck_mismatches_total{action=\"first\"} 0.0",
        "dotproxy_crosscheck_unverified_total{action=\"servfail\"} 0.0",
        "dotproxy_crosscheck_unverified_total{action=\"answer\"} 0.0");
    CrossCheck check = check(3, Compare.STRICT, OnMismatch.MAJORITY, OnUnverified.SERVFAIL);

    for (List<Message> answers : List.of(List.of(HONEST, HONEST), List.of(FORGED, HONEST, HONEST),
        List.of(FORGED, HONEST, OTHER), List.of(HONEST))) {
      check.record(check.decide(answers), QueryTrace.OFF, Map::of);
    }

    assertThat(scrape()).contains(
        "dotproxy_crosscheck_comparisons_total 3.0",
        "dotproxy_crosscheck_mismatches_total{action=\"servfail\"} 1.0",
        "dotproxy_crosscheck_mismatches_total{action=\"majority\"} 1.0",
        "dotproxy_crosscheck_mismatches_total{action=\"first\"} 0.0",
        "dotproxy_crosscheck_unverified_total{action=\"servfail\"} 1.0",
        "dotproxy_crosscheck_unverified_total{action=\"answer\"} 0.0");
  }

  @Test
  void theQueryTraceGetsEveryAnswerOnlyWhenTheyDidNotAgree() {
    CrossCheck check = check(2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.SERVFAIL);
    Map<String, String> answers = Map.of("192.0.2.53@853", "NOERROR www.example.test. A 198.51.100.66");

    QueryTrace agreed = new QueryTrace();
    check.record(check.decide(List.of(HONEST, HONEST_AGAIN)), agreed, () -> answers);
    QueryTrace mismatch = new QueryTrace();
    check.record(check.decide(List.of(HONEST, FORGED)), mismatch, () -> answers);

    assertThat(agreed.crossCheck()).isEqualTo(new QueryTrace.CrossCheckNote("agreed", "answer", Map.of()));
    assertThat(mismatch.crossCheck()).isEqualTo(new QueryTrace.CrossCheckNote("mismatch", "servfail", answers));
  }

  @Test
  void theServfailCarriesAnExtendedDnsErrorToEdnsClients() throws IOException {
    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("www.example.test."), Type.A, DClass.IN));
    query.addRecord(new OPTRecord(1232, 0, 0), org.xbill.DNS.Section.ADDITIONAL);
    ClientQuery client = ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true)).query();
    Verdict mismatch = new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1);

    Message answer = new Message(ResponseShaper.shape(client, CrossCheck.servfail(client, mismatch)));

    assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(answer.getOPT().getOptions()).singleElement().isInstanceOfSatisfying(ExtendedErrorCodeOption.class,
        ede -> {
          assertThat(ede.getErrorCode()).isEqualTo(ExtendedErrorCodeOption.OTHER);
          assertThat(ede.getText()).isEqualTo(CrossCheck.MISMATCH_TEXT);
        });
  }

  private CrossCheck check(int upstreams, Compare compare, OnMismatch onMismatch, OnUnverified onUnverified) {
    return new CrossCheck(new CrossCheckSettings(true, upstreams, compare, onMismatch, onUnverified), metrics);
  }

  private static UpstreamSpec upstream(String address, String serverName) {
    try {
      return new UpstreamSpec(InetAddress.getByName(address), 853, Optional.ofNullable(serverName), List.of());
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private String scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
