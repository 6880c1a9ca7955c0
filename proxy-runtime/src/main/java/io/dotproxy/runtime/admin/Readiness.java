package io.dotproxy.runtime.admin;

import java.util.List;

/**
 * What {@code /readyz} answers: whether this proxy can answer queries, and, for {@code ?verbose},
 * the checks behind that plus what it knows of its upstreams.
 *
 * @param ready whether the proxy should receive traffic: it listens and is not draining. Upstream
 *     health is deliberately not part of it: with every upstream down the proxy still answers (from the
 *     cache, serve-stale, or SERVFAIL at once), and taking every proxy of a fleet out of its Service
 *     would leave clients with no answer at all.
 * @param checks one line per check that decides {@code ready}, e.g. {@code [+]listeners ok}
 * @param upstreams one line per upstream, for information only, e.g. {@code 1.1.1.1@853 healthy}
 */
public record Readiness(boolean ready, List<String> checks, List<String> upstreams) {

  public Readiness {
    checks = List.copyOf(checks);
    upstreams = List.copyOf(upstreams);
  }

  /** The Kubernetes-style verbose body: checks, then the informational upstream lines. */
  String verboseBody() {
    StringBuilder body = new StringBuilder();
    checks.forEach(line -> body.append(line).append('\n'));
    body.append("upstreams (not part of readiness; see dotproxy_upstream_healthy):\n");
    upstreams.forEach(line -> body.append("  ").append(line).append('\n'));
    body.append(ready ? "readyz check passed\n" : "readyz check failed\n");
    return body.toString();
  }
}
