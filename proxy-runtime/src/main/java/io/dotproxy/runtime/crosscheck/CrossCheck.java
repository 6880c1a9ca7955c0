package io.dotproxy.runtime.crosscheck;

import io.dotproxy.runtime.config.CrossCheckSettings;
import io.dotproxy.runtime.config.CrossCheckSettings.OnUnverified;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.QueryTrace;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;

/**
 * The cross-check's rules: which upstreams a query goes to, what the client gets from their answers,
 * and how that is counted. The router does the asking (docs/explanation/cross-check.md).
 */
public final class CrossCheck {

  static final String MISMATCH_TEXT = "cross-check: the upstreams' answers differ";
  static final String UNVERIFIED_TEXT = "cross-check: fewer than two upstreams answered";

  private final CrossCheckSettings settings;
  private final ProxyMetrics metrics;

  public CrossCheck(CrossCheckSettings settings, ProxyMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  public CrossCheckSettings settings() {
    return settings;
  }

  /**
   * The upstreams in the order to ask them: the first {@code count} of {@code ordered} (the policy's
   * order) that belong to different operators, then all the others in their order, which fill up the
   * first {@code count} when there are too few operators and stand in for upstreams that fail.
   */
  public static <T> List<T> distinctOperatorsFirst(List<T> ordered, Function<T, String> operatorOf, int count) {
    List<T> result = new ArrayList<>(ordered.size());
    List<T> others = new ArrayList<>(ordered.size());
    Set<String> operators = new HashSet<>();
    for (T upstream : ordered) {
      if (result.size() < count && operators.add(operatorOf.apply(upstream))) {
        result.add(upstream);
      } else {
        others.add(upstream);
      }
    }
    result.addAll(others);
    return result;
  }

  /**
   * Who runs an upstream, as far as its settings tell: the last two labels of its TLS name
   * ({@code dns.quad9.net} and {@code dns11.quad9.net} are both {@code quad9.net}), or without a TLS
   * name its address.
   */
  public static String operatorOf(UpstreamSpec spec) {
    return spec.serverName().map(name -> {
      String lower = name.toLowerCase(Locale.ROOT);
      int last = lower.lastIndexOf('.');
      int secondLast = last <= 0 ? -1 : lower.lastIndexOf('.', last - 1);
      return secondLast < 0 ? lower : lower.substring(secondLast + 1);
    }).orElseGet(() -> NetUtil.toAddressString(spec.address()));
  }

  /**
   * What the client gets from {@code answers}: the NOERROR and NXDOMAIN answers of one query, in the
   * order they came, at least one.
   */
  public Verdict decide(List<Message> answers) {
    if (answers.isEmpty()) {
      throw new IllegalArgumentException("no answer to decide on");
    }
    if (answers.size() == 1) {
      return settings.onUnverified() == OnUnverified.ANSWER
          ? new Verdict(Verdict.Result.UNVERIFIED, Verdict.Action.ANSWER, 0)
          : new Verdict(Verdict.Result.UNVERIFIED, Verdict.Action.SERVFAIL, -1);
    }
    if (allAgree(answers)) {
      return new Verdict(Verdict.Result.AGREED, Verdict.Action.ANSWER, 0);
    }
    return switch (settings.onMismatch()) {
      case SERVFAIL -> new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1);
      case FIRST -> new Verdict(Verdict.Result.MISMATCH, Verdict.Action.FIRST, 0);
      case MAJORITY -> {
        int majority = majority(answers);
        yield majority < 0
            ? new Verdict(Verdict.Result.MISMATCH, Verdict.Action.SERVFAIL, -1)
            : new Verdict(Verdict.Result.MISMATCH, Verdict.Action.MAJORITY, majority);
      }
    };
  }

  private boolean allAgree(List<Message> answers) {
    for (int i = 0; i < answers.size(); i++) {
      for (int j = i + 1; j < answers.size(); j++) {
        if (!AnswerComparison.agree(answers.get(i), answers.get(j), settings.compare())) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The answer most answers agree with (itself included), the earliest of equals, if more than half
   * do; else -1. In overlap mode agreement is not transitive, so each answer is counted on its own.
   */
  private int majority(List<Message> answers) {
    int best = -1;
    int bestAgreeing = 0;
    for (int i = 0; i < answers.size(); i++) {
      int agreeing = 0;
      for (Message other : answers) {
        if (AnswerComparison.agree(answers.get(i), other, settings.compare())) {
          agreeing++;
        }
      }
      if (agreeing > bestAgreeing) {
        best = i;
        bestAgreeing = agreeing;
      }
    }
    return 2 * bestAgreeing > answers.size() ? best : -1;
  }

  /**
   * Counts the verdict, and notes it for the query log (which is the only place a query name goes
   * with it) with every upstream's answer when they did not simply agree.
   *
   * @param answers each asked upstream's answer in one line, built only if the query is logged
   */
  public void record(Verdict verdict, QueryTrace trace, Supplier<Map<String, String>> answers) {
    switch (verdict.result()) {
      case AGREED -> metrics.crossCheckCompared();
      case MISMATCH -> {
        metrics.crossCheckCompared();
        metrics.crossCheckMismatch(verdict.action().label());
      }
      case UNVERIFIED -> metrics.crossCheckUnverified(verdict.action().label());
    }
    trace.crossCheck(verdict.resultLabel(), verdict.action().label(),
        verdict.result() == Verdict.Result.AGREED ? Map::of : answers);
  }

  /** SERVFAIL with an Extended DNS Error (RFC 8914, code Other) saying which check failed. */
  public static Message servfail(ClientQuery query, Verdict verdict) {
    Message servfail = Responses.servfail(query);
    String text = verdict.result() == Verdict.Result.UNVERIFIED ? UNVERIFIED_TEXT : MISMATCH_TEXT;
    servfail.addRecord(new OPTRecord(ResponseShaper.ADVERTISED_UDP_SIZE, 0, 0, 0,
        List.of(new ExtendedErrorCodeOption(ExtendedErrorCodeOption.OTHER, text))), Section.ADDITIONAL);
    return servfail;
  }
}
