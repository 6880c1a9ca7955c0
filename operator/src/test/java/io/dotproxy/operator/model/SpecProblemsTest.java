package io.dotproxy.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.config.RuntimeConfigRenderer;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.runtime.config.ConfigException;
import io.dotproxy.runtime.config.ConfigLoader;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The operator's own check of a spec, which stands in for the CRD's rules when they were not applied,
 * against the proxy runtime's parser: whatever the operator accepts, the runtime starts with.
 */
class SpecProblemsTest {

  @Test
  void aTypicalSpecHasNoProblem() {
    assertThat(SpecProblems.of(proxy(spec -> {}))).isEmpty();
  }

  @Test
  void eachProblemNamesItsFieldAndTheValue() {
    assertThat(SpecProblems.of(proxy(spec -> spec.setUpstreams(List.of()))))
        .containsExactly("spec.upstreams: at least one upstream is required");
    assertThat(SpecProblems.of(proxy(spec -> spec.getUpstreams().get(0).setAddress("dns.quad9.net"))))
        .containsExactly("spec.upstreams[0]: address must be an IPv4 or IPv6 address "
            + "(a hostname cannot be resolved before the proxy has DNS) (not \"dns.quad9.net\")");
    assertThat(SpecProblems.of(proxy(spec -> spec.setCache(cache(-1)))))
        .containsExactly("spec.cache.size: must be 0 or more (not \"-1\")");
    assertThat(SpecProblems.of(proxy(spec -> spec.setTrustedCA(new TrustedCA()))))
        .containsExactly("spec: trustedCA needs exactly one of configMapRef or secretRef");
    assertThat(SpecProblems.of(proxy(spec -> spec.setTimeout("5"))))
        .containsExactly("spec.timeout: timeout must be a duration with a unit, such as 500ms, 5s, 2m or 1h (not \"5\")");
    assertThat(SpecProblems.of(proxy(spec -> {
      spec.setMode(ProxyMode.SIDECAR);
      spec.setCoreDNS(new CoreDnsSpec(true));
    }))).containsExactly("spec: coreDNS.patch needs mode DaemonSet: in Sidecar mode there is no fleet Service for CoreDNS to forward to");
  }

  @Test
  void everyProblemIsListedNotJustTheFirst() {
    List<String> problems = SpecProblems.of(proxy(spec -> {
      spec.getUpstreams().get(0).setPort(0);
      spec.setCache(cache(-5));
      spec.setDrainPeriod("soon");
    }));

    assertThat(problems).containsExactly(
        "spec.upstreams[0].port: must be from 1 to 65535 (not \"0\")",
        "spec.drainPeriod: drainPeriod must be a duration with a unit, such as 500ms, 5s, 2m or 1h (not \"soon\")",
        "spec.cache.size: must be 0 or more (not \"-5\")");
  }

  @Test
  void aNameThatCannotNameTheServiceIsAProblem() {
    // A custom resource's name may be a DNS subdomain; the Service's, dotproxy-<name>, must be a DNS label.
    for (String name : List.of("p".repeat(55), "edge.v2", "edge-")) {
      DnsOverTlsProxy proxy = proxy(spec -> {});
      proxy.getMetadata().setName(name);

      assertThat(SpecProblems.of(proxy)).as(name).containsExactly("metadata.name: must be a DNS label of at most 54 characters"
          + " (lower-case letters, digits and '-', no '.'): the operator names its Service dotproxy-<name> (not \"" + name + "\")");
    }
    DnsOverTlsProxy longest = proxy(spec -> {});
    longest.getMetadata().setName("p".repeat(54));
    assertThat(SpecProblems.of(longest)).isEmpty();
  }

  @Test
  void whatTheOperatorAcceptsTheRuntimeStartsWithAndWhatItRefusesTheRuntimeWouldRefuse() {
    List<Case> cases = List.of(
        new Case("IPv4 upstream", true, spec -> spec.getUpstreams().get(0).setAddress("9.9.9.9")),
        new Case("IPv6 upstream", true, spec -> spec.getUpstreams().get(0).setAddress("2620:fe::fe")),
        new Case("IPv4-mapped IPv6 upstream", true, spec -> spec.getUpstreams().get(0).setAddress("::ffff:9.9.9.9")),
        // The CRD's pattern lets these through; the runtime does not.
        new Case("octet above 255", false, spec -> spec.getUpstreams().get(0).setAddress("999.9.9.9")),
        new Case("two '::'", false, spec -> spec.getUpstreams().get(0).setAddress("2620::fe::fe")),
        new Case("underscore in the server name", false, spec -> spec.getUpstreams().get(0).setServerName("dns_quad9.net")),
        new Case("server name with a trailing dot", true, spec -> spec.getUpstreams().get(0).setServerName("dns.quad9.net.")),
        new Case("forward zone to IPv6 with port", true,
            spec -> spec.setForwardZones(List.of(new ForwardZone("corp.example", List.of("[fd00::a]:53"))))),
        new Case("forward zone to IPv4 without port", true,
            spec -> spec.setForwardZones(List.of(new ForwardZone("corp.example", List.of("10.0.0.53"))))),
        new Case("forward zone server port 70000", false,
            spec -> spec.setForwardZones(List.of(new ForwardZone("corp.example", List.of("10.0.0.53:70000"))))),
        new Case("forward zone server 300.0.0.1", false,
            spec -> spec.setForwardZones(List.of(new ForwardZone("corp.example", List.of("300.0.0.1:53"))))),
        new Case("duration in ms", true, spec -> spec.setTimeout("1500ms")),
        new Case("cache minTTL above maxTTL", false, spec -> {
          CacheSpec cache = cache(100);
          cache.setMinTTL(600);
          cache.setMaxTTL(60);
          spec.setCache(cache);
        }));

    for (Case c : cases) {
      DnsOverTlsProxy proxy = proxy(c.change());
      assertThat(SpecProblems.of(proxy).isEmpty()).as("operator accepts: " + c.name()).isEqualTo(c.valid());
      assertThat(runtimeProblem(proxy.getSpec()).isEmpty()).as("runtime accepts: " + c.name()).isEqualTo(c.valid());
    }
  }

  /** The CRD's CEL rules about the cross-check, which the operator checks itself for API servers before 1.25. */
  @Test
  void theCrossCheckNeedsEnoughUpstreamsAndAMajorityOfThree() {
    Upstream second = new Upstream("1.1.1.1", 853, "cloudflare-dns.com");
    Upstream third = new Upstream("8.8.8.8", 853, "dns.google");
    List<Case> cases = List.of(
        new Case("on, two upstreams", true, spec -> {
          spec.setUpstreams(List.of(spec.getUpstreams().get(0), second));
          spec.setCrossCheck(crossCheck(true, null, null));
        }),
        new Case("on, one upstream", false, spec -> spec.setCrossCheck(crossCheck(true, null, null))),
        new Case("off, one upstream", true, spec -> spec.setCrossCheck(crossCheck(false, null, null))),
        new Case("three per query, two upstreams", false, spec -> {
          spec.setUpstreams(List.of(spec.getUpstreams().get(0), second));
          spec.setCrossCheck(crossCheck(true, 3, null));
        }),
        new Case("majority of three", true, spec -> {
          spec.setUpstreams(List.of(spec.getUpstreams().get(0), second, third));
          spec.setCrossCheck(crossCheck(true, 3, CrossCheckSpec.OnMismatch.MAJORITY));
        }),
        new Case("majority of two", false, spec -> {
          spec.setUpstreams(List.of(spec.getUpstreams().get(0), second, third));
          spec.setCrossCheck(crossCheck(true, null, CrossCheckSpec.OnMismatch.MAJORITY));
        }));

    for (Case c : cases) {
      DnsOverTlsProxy proxy = proxy(c.change());
      assertThat(SpecProblems.of(proxy).isEmpty()).as("operator accepts: " + c.name()).isEqualTo(c.valid());
      assertThat(runtimeProblem(proxy.getSpec()).isEmpty()).as("runtime accepts: " + c.name()).isEqualTo(c.valid());
    }
    assertThat(SpecProblems.of(proxy(spec -> spec.setCrossCheck(crossCheck(true, null, CrossCheckSpec.OnMismatch.MAJORITY)))))
        .containsExactly("spec.crossCheck: " + CrossCheckSpec.MAJORITY_MESSAGE, "spec: " + CrossCheckSpec.UPSTREAMS_MESSAGE);
  }

  private static CrossCheckSpec crossCheck(boolean enabled, Integer upstreams, CrossCheckSpec.OnMismatch onMismatch) {
    var crossCheck = new CrossCheckSpec();
    crossCheck.setEnabled(enabled);
    crossCheck.setUpstreams(upstreams);
    crossCheck.setOnMismatch(onMismatch);
    return crossCheck;
  }

  @Test
  void anUnreadableSpecIsItsOnlyProblem() {
    DnsOverTlsProxy proxy = proxy(spec -> {});
    proxy.setSpec(new UnreadableSpec(com.fasterxml.jackson.databind.node.NullNode.getInstance(), "spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar"));

    assertThat(SpecProblems.of(proxy)).containsExactly("spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar");
  }

  record Case(String name, boolean valid, Consumer<DnsOverTlsProxySpec> change) {}

  private static DnsOverTlsProxy proxy(Consumer<DnsOverTlsProxySpec> change) {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    change.accept(proxy.getSpec());
    return proxy;
  }

  private static CacheSpec cache(int size) {
    var cache = new CacheSpec();
    cache.setSize(size);
    return cache;
  }

  private static Optional<String> runtimeProblem(DnsOverTlsProxySpec spec) {
    try {
      ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.empty()));
      return Optional.empty();
    } catch (ConfigException e) {
      return Optional.of(e.getMessage());
    }
  }
}
