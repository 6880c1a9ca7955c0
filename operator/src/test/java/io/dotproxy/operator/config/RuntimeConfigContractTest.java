package io.dotproxy.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.CrossCheckSpec;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.model.PrivacySpec;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.model.RateLimitAction;
import io.dotproxy.operator.model.RateLimitSpec;
import io.dotproxy.operator.model.Upstream;
import io.dotproxy.operator.model.UpstreamPolicy;
import io.dotproxy.operator.network.ClusterRanges;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.config.ConfigException;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ConfigSchema;
import io.dotproxy.runtime.config.CrossCheckSettings;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.config.RateLimitSettings;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.config.UpstreamSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's own parser reads what the operator renders, for every setting the CRD has. */
class RuntimeConfigContractTest {

  @Test
  void theRuntimeParsesAMinimalRendering() throws Exception {
    ProxyConfig config = ConfigLoader.fromYaml(
        RuntimeConfigRenderer.render(TestProxies.quad9("ns", "p").getSpec(), Optional.empty()));

    assertThat(config.listen()).singleElement().hasToString("0.0.0.0:53");
    assertThat(config.admin()).hasToString("0.0.0.0:9153");
    assertThat(config.upstreams()).singleElement().satisfies(u -> {
      assertThat(u.address().getHostAddress()).isEqualTo("9.9.9.9");
      assertThat(u.port()).isEqualTo(853);
      assertThat(u.serverName()).contains("dns.quad9.net");
    });
    assertThat(config.caFile()).isEmpty();
  }

  @Test
  void theRuntimeParsesEveryMainBlockSetting(@TempDir Path mountedConfigMap) throws Exception {
    // The runtime reads the bundle while validating, as it would from the mounted ConfigMap.
    Path caFile = Files.writeString(mountedConfigMap.resolve("ca.crt"), somePemCertificate());
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    Upstream pinned = new Upstream("2620:fe::fe", 8853, null);
    pinned.setSpkiPins(List.of("/SlsviBkb05Y/8XiKF9+CZsgCtrqPQk5bh47o0R3/Cg="));
    spec.setUpstreams(List.of(spec.getUpstreams().get(0), pinned));
    spec.setPolicy(UpstreamPolicy.SEQUENTIAL);
    spec.setTimeout("1500ms");
    var cache = new CacheSpec();
    cache.setSize(2048);
    spec.setCache(cache);
    spec.setForwardZones(List.of(new ForwardZone("cluster.local", List.of("10.96.0.10:53", "10.96.0.11"))));

    ProxyConfig config = ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.of(caFile.toString())));

    assertThat(config.upstreams()).extracting(UpstreamSpec::port).containsExactly(853, 8853);
    assertThat(config.upstreams().get(1).spkiPins()).containsExactly("/SlsviBkb05Y/8XiKF9+CZsgCtrqPQk5bh47o0R3/Cg=");
    assertThat(config.upstreams().get(1).serverName()).isEmpty();
    assertThat(config.caFile()).contains(caFile);
    assertThat(config.policy().name()).isEqualToIgnoringCase("sequential");
    assertThat(config.timeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.cache().size()).isEqualTo(2048);
    assertThat(config.forwardZones()).singleElement().satisfies(z -> {
      assertThat(z.zone().toString()).startsWith("cluster.local");
      assertThat(z.servers()).hasSize(2);
    });
  }

  @Test
  void theRuntimeParsesTheCacheRateLimitPrivacyAndOperationsSettings() throws Exception {
    DnsOverTlsProxySpec spec = everySetting();

    ProxyConfig config = ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.empty()));

    assertThat(config.cache()).isEqualTo(new CacheSettings(500, Duration.ofSeconds(5), Duration.ofHours(1),
        Duration.ofMinutes(30), false));
    assertThat(config.rateLimit()).isEqualTo(new RateLimitSettings(100, 300, RateLimitSettings.Action.DROP));
    assertThat(config.privacy()).isEqualTo(new PrivacySettings(false, false));
    assertThat(config.drainPeriod()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.queryLog()).isTrue();
    assertThat(config.udpMaxSize()).isEqualTo(1400);
    assertThat(config.parallelUpstreams()).isEqualTo(3);
    assertThat(config.hedgeAfter()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.crossCheck()).isEqualTo(new CrossCheckSettings(true, 3, CrossCheckSettings.Compare.OVERLAP,
        CrossCheckSettings.OnMismatch.MAJORITY, CrossCheckSettings.OnUnverified.ANSWER));
  }

  @Test
  void theCrossCheckIsOffUnlessEnabledAndItsDefaultsAreTheRuntimes() throws Exception {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setUpstreams(List.of(spec.getUpstreams().get(0), new Upstream("1.1.1.1", 853, "cloudflare-dns.com")));
    assertThat(ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.empty())).crossCheck())
        .isEqualTo(CrossCheckSettings.OFF);

    var crossCheck = new CrossCheckSpec();
    crossCheck.setEnabled(true);
    spec.setCrossCheck(crossCheck);
    String rendered = RuntimeConfigRenderer.render(spec, Optional.empty());

    assertThat(rendered).contains("cross-check: true").doesNotContain("cross-check-");
    assertThat(ConfigLoader.fromYaml(rendered).crossCheck()).isEqualTo(new CrossCheckSettings(true,
        CrossCheckSettings.OFF.upstreams(), CrossCheckSettings.OFF.compare(), CrossCheckSettings.OFF.onMismatch(),
        CrossCheckSettings.OFF.onUnverified()));
  }

  @Test
  void theRuntimeParsesASidecarRendering() throws Exception {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setMode(ProxyMode.SIDECAR);

    ProxyConfig config = ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.empty(),
        Optional.of(new ForwardZone("cluster.local", List.of("[fd00::a]:53")))));

    assertThat(config.listen()).singleElement().hasToString("127.0.0.1:53");
    assertThat(config.admin()).hasToString("0.0.0.0:9153");
    assertThat(config.forwardZones()).singleElement().satisfies(z -> {
      assertThat(z.zone().toString()).isEqualTo("cluster.local.");
      assertThat(z.servers()).singleElement().satisfies(s -> {
        assertThat(s.address().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:a");
        assertThat(s.port()).isEqualTo(53);
      });
    });
  }

  @Test
  void theRuntimeParsesDualStackRenderingsOfBothModesWithTheClusterReverseZones() throws Exception {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    ProxyAddresses dualStack = new ProxyAddresses(IpFamilies.DUAL_STACK, 53);
    ProxyConfig fleet = ConfigLoader.fromYaml(
        RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(), dualStack, RuntimeCompatibility.NEWEST));
    spec.setMode(ProxyMode.SIDECAR);
    var found = new ClusterDnsZone.Found(new ForwardZone("cluster.local", List.of("[fd00:10:96::a]:53")),
        List.of("fd00:10:96::a"));
    List<String> reverseZones = ClusterRanges.of(List.of(), found.clusterIps(), List.of("fd00:10:244:1::/64", "10.244.1.0/24"))
        .reverseZones();
    ProxyConfig sidecar = ConfigLoader.fromYaml(RuntimeConfigRenderer.render(spec, Optional.empty(),
        found.withReverseZones(reverseZones), dualStack, RuntimeCompatibility.NEWEST));

    assertThat(fleet.listen()).singleElement().hasToString("[::]:53");
    assertThat(fleet.admin()).hasToString("[::]:9153");
    assertThat(sidecar.listen()).extracting(Object::toString).containsExactly("127.0.0.1:53", "[::1]:53");
    assertThat(sidecar.forwardZones()).extracting(z -> z.zone().toString()).containsExactly(
        "cluster.local.", "244.10.in-addr.arpa.", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.",
        "4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa.");
    assertThat(sidecar.forwardZones()).allSatisfy(z -> assertThat(z.servers()).singleElement().hasToString("[fd00:10:96::a]:53"));
  }

  /**
   * N -> N-1: the oldest runtime this operator drives reads what the operator renders for it, every
   * setting of the spec included.
   */
  @Test
  void theOldestRuntimeThisOperatorDrivesReadsItsRendering() throws Exception {
    RuntimeCompatibility.Release oldestRuntime = RuntimeCompatibility.SCHEMAS.get(0).firstRuntime();
    // The newest schema that runtime reads: several schemas may have come with one release.
    RuntimeCompatibility.Schema oldest = RuntimeCompatibility.SCHEMAS.stream()
        .filter(schema -> schema.firstRuntime().equals(oldestRuntime))
        .reduce((older, newer) -> newer).orElseThrow();
    DnsOverTlsProxySpec spec = everySetting();
    assertThat(RuntimeCompatibility.of(OperatorSettings.version())
        .check("ghcr.io/dotproxy/proxy-runtime:" + oldestRuntime + ".0", RuntimeConfigRenderer.keys(spec)))
        .isEqualTo(new RuntimeCompatibility.Verdict.Render(oldest.version()));

    ProxyConfig config = ConfigLoader.fromYaml(
        RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(), ProxyAddresses.IPV4, oldest.version()),
        new ConfigSchema(oldest.version().major(), oldest.version().minor()));

    assertThat(config.rateLimit().qps()).isEqualTo(100);
    assertThat(config.queryLog()).isTrue();
  }

  /**
   * A runtime that reads an older schema than the file's: of the same major it reads the file (and
   * would skip keys it does not know, with a warning); of an older major it refuses it, naming both.
   */
  @Test
  void aRuntimeOfAnOlderSchemaReadsANewerMinorAndRefusesANewerMajor() throws Exception {
    ConfigSchemaVersion newest = RuntimeCompatibility.NEWEST;
    DnsOverTlsProxySpec spec = everySetting();
    String nextMinor = RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(), ProxyAddresses.IPV4,
        new ConfigSchemaVersion(newest.major(), newest.minor() + 1));
    String nextMajor = RuntimeConfigRenderer.render(spec, Optional.empty(), List.of(), ProxyAddresses.IPV4,
        new ConfigSchemaVersion(newest.major() + 1, 0));
    ConfigSchema runtime = new ConfigSchema(newest.major(), newest.minor());

    assertThat(ConfigLoader.fromYaml(nextMinor, runtime).cache().size()).isEqualTo(500);
    assertThatThrownBy(() -> ConfigLoader.fromYaml(nextMajor, runtime))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("written in config schema " + (newest.major() + 1) + ".0")
        .hasMessageContaining("this runtime reads schema " + newest.major() + ".x up to " + newest);
  }

  private static DnsOverTlsProxySpec everySetting() {
    DnsOverTlsProxySpec spec = TestProxies.quad9("ns", "p").getSpec();
    spec.setPolicy(UpstreamPolicy.SEQUENTIAL);
    spec.setTimeout("1500ms");
    var cache = new CacheSpec();
    cache.setSize(500);
    cache.setMinTTL(5);
    cache.setMaxTTL(3600);
    cache.setServeStale("30m");
    cache.setPrefetch(false);
    spec.setCache(cache);
    var rateLimit = new RateLimitSpec();
    rateLimit.setQps(100);
    rateLimit.setBurst(300);
    rateLimit.setAction(RateLimitAction.DROP);
    spec.setRateLimit(rateLimit);
    var privacy = new PrivacySpec();
    privacy.setEdnsPadding(false);
    privacy.setStripClientSubnet(false);
    spec.setPrivacy(privacy);
    spec.setForwardZones(List.of(new ForwardZone("corp.example", List.of("10.0.0.53"))));
    spec.setDrainPeriod("20s");
    spec.setQueryLog(true);
    spec.setUdpMaxSize(1400);
    spec.setParallelUpstreams(3);
    spec.setHedgeAfter("250ms");
    spec.setUpstreams(List.of(spec.getUpstreams().get(0), new Upstream("1.1.1.1", 853, "cloudflare-dns.com"),
        new Upstream("8.8.8.8", 853, "dns.google")));
    var crossCheck = new CrossCheckSpec();
    crossCheck.setEnabled(true);
    crossCheck.setUpstreams(3);
    crossCheck.setCompare(CrossCheckSpec.Compare.OVERLAP);
    crossCheck.setOnMismatch(CrossCheckSpec.OnMismatch.MAJORITY);
    crossCheck.setOnUnverified(CrossCheckSpec.OnUnverified.ANSWER);
    spec.setCrossCheck(crossCheck);
    return spec;
  }

  /** Any real CA certificate will do; the JVM's default trust store has plenty. */
  private static String somePemCertificate() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
    X509Certificate cert = trustManager.getAcceptedIssuers()[0];
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }
}
