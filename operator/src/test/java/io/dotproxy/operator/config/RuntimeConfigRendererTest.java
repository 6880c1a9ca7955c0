package io.dotproxy.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.model.RateLimitAction;
import io.dotproxy.operator.model.RateLimitSpec;
import io.dotproxy.operator.model.Upstream;
import io.dotproxy.operator.model.UpstreamPolicy;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.testing.TestProxies;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class RuntimeConfigRendererTest {

  @Test
  void rendersOnlyWhatTheSpecSetsPlusListenAndAdmin() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();

    String yaml = RuntimeConfigRenderer.render(spec, Optional.empty());

    assertThat(yaml).isEqualTo("""
        version: '1.1'
        listen:
          - 0.0.0.0:53
        upstream:
          - address: 9.9.9.9
            port: 853
            server-name: dns.quad9.net
        admin: 0.0.0.0:9153
        """);
  }

  @Test
  void rendersEverySettingUnderTheRuntimesNames() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    Upstream pinned = new Upstream("2620:fe::fe", 853, "dns.quad9.net");
    pinned.setSpkiPins(List.of("/SlsviBkb05Y/8XiKF9+CZsgCtrqPQk5bh47o0R3/Cg="));
    spec.setUpstreams(List.of(spec.getUpstreams().get(0), pinned));
    spec.setPolicy(UpstreamPolicy.ROUND_ROBIN);
    spec.setTimeout("3s");
    var cache = new CacheSpec();
    cache.setSize(0);
    cache.setMinTTL(5);
    cache.setMaxTTL(3600);
    cache.setServeStale("1h");
    cache.setPrefetch(true);
    spec.setCache(cache);
    var rateLimit = new RateLimitSpec();
    rateLimit.setQps(100);
    rateLimit.setBurst(200);
    rateLimit.setAction(RateLimitAction.DROP);
    spec.setRateLimit(rateLimit);
    spec.setForwardZones(List.of(new ForwardZone("cluster.local", List.of("10.96.0.10:53", "10.96.0.11"))));
    spec.setDrainPeriod("5s");
    spec.setQueryLog(false);

    Map<String, Object> config = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.of("/etc/dotproxy/ca.crt")));

    assertThat(config.keySet()).containsExactly(
        "version", "listen", "upstream", "ca-file", "policy", "timeout", "cache-size", "cache-min-ttl", "cache-max-ttl",
        "cache-serve-stale", "cache-prefetch", "forward-zone", "rate-limit-qps", "rate-limit-burst",
        "rate-limit-action", "drain-period", "query-log", "admin");
    assertThat(config)
        .containsEntry("ca-file", "/etc/dotproxy/ca.crt")
        .containsEntry("policy", "round_robin")
        .containsEntry("cache-size", 0)
        .containsEntry("cache-prefetch", true)
        .containsEntry("forward-zone", List.of("cluster.local=10.96.0.10:53,10.96.0.11"))
        .containsEntry("rate-limit-action", "drop");
    assertThat((List<?>) config.get("upstream")).element(1).isEqualTo(Map.of(
        "address", "2620:fe::fe", "port", 853, "server-name", "dns.quad9.net",
        "spki-pins", List.of("/SlsviBkb05Y/8XiKF9+CZsgCtrqPQk5bh47o0R3/Cg=")));
  }

  @Test
  void aSidecarListensOnLoopbackOnlyAndForwardsTheClusterDomainToKubeDns() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setMode(ProxyMode.SIDECAR);

    String yaml = RuntimeConfigRenderer.render(spec, Optional.empty(),
        Optional.of(new ForwardZone("cluster.local", List.of("10.96.0.10:53"))));

    assertThat(yaml).isEqualTo("""
        version: '1.1'
        listen:
          - 127.0.0.1:53
        upstream:
          - address: 9.9.9.9
            port: 853
            server-name: dns.quad9.net
        forward-zone:
          - cluster.local=10.96.0.10:53
        admin: 0.0.0.0:9153
        """);
  }

  @Test
  void aForwardZoneForTheClusterDomainInTheSpecWins() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setMode(ProxyMode.SIDECAR);
    spec.setForwardZones(List.of(
        new ForwardZone("corp.example", List.of("10.0.0.53")), new ForwardZone("Cluster.Local.", List.of("10.96.0.99"))));

    Map<String, Object> config = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(),
        Optional.of(new ForwardZone("cluster.local", List.of("10.96.0.10:53")))));

    assertThat(config).containsEntry("forward-zone", List.of("corp.example=10.0.0.53", "Cluster.Local.=10.96.0.99"));
  }

  @Test
  void withIpv6InThePodNetworkTheFleetListensOnTheIpv6WildcardWhichTakesIpv4Too() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();

    Map<String, Object> dualStack = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(),
        new ProxyAddresses(IpFamilies.DUAL_STACK, 5353), RuntimeCompatibility.NEWEST));
    Map<String, Object> ipv6Only = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(),
        new ProxyAddresses(IpFamilies.parse("IPv6"), 53), RuntimeCompatibility.NEWEST));
    Map<String, Object> ipv4 = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(),
        new ProxyAddresses(IpFamilies.IPV4, 53), RuntimeCompatibility.NEWEST));

    assertThat(dualStack).containsEntry("listen", List.of("[::]:5353")).containsEntry("admin", "[::]:9153");
    assertThat(ipv6Only).containsEntry("listen", List.of("[::]:53")).containsEntry("admin", "[::]:9153");
    assertThat(ipv4).as("never [::] without IPv6: the bind would fail where the kernel has it off")
        .containsEntry("listen", List.of("0.0.0.0:53")).containsEntry("admin", "0.0.0.0:9153");
  }

  @Test
  void withIpv6InThePodNetworkASidecarListensOnBothLoopbacks() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setMode(ProxyMode.SIDECAR);

    Map<String, Object> config = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(),
        new ProxyAddresses(IpFamilies.DUAL_STACK, 53), RuntimeCompatibility.NEWEST));

    assertThat(config).containsEntry("listen", List.of("127.0.0.1:53", "[::1]:53")).containsEntry("admin", "[::]:9153");
  }

  @Test
  void aSidecarForwardsTheClusterDomainAndTheClusterRangesReverseZonesAndTheSpecsOwnZoneWins() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setMode(ProxyMode.SIDECAR);
    spec.setForwardZones(List.of(new ForwardZone("244.10.in-addr.arpa.", List.of("10.0.0.53"))));
    var found = new ClusterDnsZone.Found(new ForwardZone("cluster.local", List.of("10.96.0.10:53")), List.of("10.96.0.10"));

    Map<String, Object> config = new Yaml().load(RuntimeConfigRenderer.render(spec, Optional.empty(),
        found.withReverseZones(List.of("96.10.in-addr.arpa", "244.10.in-addr.arpa")), ProxyAddresses.IPV4,
        RuntimeCompatibility.NEWEST));

    assertThat(config).containsEntry("forward-zone", List.of(
        "cluster.local=10.96.0.10:53", "96.10.in-addr.arpa=10.96.0.10:53", "244.10.in-addr.arpa.=10.0.0.53"));
  }

  @Test
  void theFileStatesTheSchemaItIsWrittenInAsAString() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();

    String yaml = RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(), ProxyAddresses.IPV4,
        new ConfigSchemaVersion(1, 10));

    // Quoted: YAML would read 1.10 as the number 1.1.
    assertThat(yaml).startsWith("version: '1.10'\n");
    Map<String, Object> parsed = new Yaml().load(yaml);
    assertThat(parsed).containsEntry("version", "1.10");
  }

  @Test
  void theKeysToCheckAreThoseTheSpecMakesTheRendererWrite() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    var rateLimit = new RateLimitSpec();
    rateLimit.setQps(5);
    spec.setRateLimit(rateLimit);

    assertThat(RuntimeConfigRenderer.keys(spec)).containsExactly("listen", "upstream", "rate-limit-qps", "admin");
  }
}
