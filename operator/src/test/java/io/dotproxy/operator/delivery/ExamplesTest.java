package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.resources.ProxyPorts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every example under examples/ parses, and every DnsOverTlsProxy in them passes the CRD's schema. */
class ExamplesTest {

  static CrdSchema schema;

  @BeforeAll
  static void loadSchema() {
    schema = CrdSchema.dnsOverTlsProxy();
  }

  @Test
  void everyExampleCrValidatesAgainstTheCrdSchema() throws IOException {
    List<Map<String, Object>> proxies = proxies(exampleFiles());

    assertThat(proxies).extracting(p -> metadata(p).get("name"))
        .containsExactlyInAnyOrder("edge", "app-dns", "corp", "multi");
    for (Map<String, Object> proxy : proxies) {
      assertThat(schema.validate(proxy)).as("%s", metadata(proxy).get("name")).isEmpty();
    }
  }

  @Test
  void theValidatorCatchesWhatTheApiServerWouldReject() {
    Map<String, Object> proxy = yaml("""
        apiVersion: dotproxy.io/v1alpha1
        kind: DnsOverTlsProxy
        metadata: {name: bad}
        spec:
          mode: Daemonset
          upstreams:
            - address: 9.9.9.9
              port: 70000
              serverName: dns.quad9.net
              spkiPins: ["not-a-pin"]
          cache: {size: -1, sizee: 5}
          timeout: 5
          drainPeriod: 5sec
        """);

    assertThat(String.join("\n", schema.validate(proxy)))
        .contains("mode", "port", "spkiPins", "cache.size", "sizee", "timeout", "drainPeriod");
    assertThat(schema.validate(yaml("""
        apiVersion: dotproxy.io/v1alpha1
        kind: DnsOverTlsProxy
        metadata: {name: bad}
        spec: {mode: DaemonSet, upstreams: []}
        """))).as("at least one upstream").isNotEmpty();
    assertThat(String.join("\n", schema.validate(yaml("""
        apiVersion: dotproxy.io/v1alpha1
        kind: DnsOverTlsProxy
        metadata: {name: edge.v2, namespace: dns}
        spec: {upstreams: [{address: dns.quad9.net}]}
        """)))).as("a name that cannot name the Service, a hostname for an address").contains("metadata.name", "address");
  }

  @Test
  void theCelRulesThatCannotRunHereAreKnown() {
    // No CEL interpreter here: these are checked by the API server only (CommittedCrdTest checks they
    // are in the CRD). The examples were written against them by hand.
    assertThat(schema.celRulesNotRun()).containsExactlyInAnyOrder(
        ".spec: !has(self.coreDNS) || !has(self.coreDNS.patch) || !self.coreDNS.patch || !has(self.mode) || self.mode == 'DaemonSet'",
        ".spec: !has(self.crossCheck) || !has(self.crossCheck.enabled) || !self.crossCheck.enabled"
            + " || size(self.upstreams) >= (has(self.crossCheck.upstreams) ? self.crossCheck.upstreams : 2)",
        ".spec.cache: !has(self.minTTL) || !has(self.maxTTL) || self.minTTL <= self.maxTTL",
        ".spec.crossCheck: !has(self.onMismatch) || self.onMismatch != 'majority' || (has(self.upstreams) && self.upstreams >= 3)",
        ".spec.trustedCA: has(self.configMapRef) != has(self.secretRef)");
  }

  @Test
  void theSidecarDemoOptsItsPodsIn() throws IOException {
    List<HasMetadata> objects = RepoFiles.objects(RepoFiles.read("examples/sidecar.yaml"));
    Deployment demo = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    Map<String, Object> proxy = proxies(List.of(RepoFiles.path("examples/sidecar.yaml"))).get(0);

    assertThat(demo.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("dotproxy.io/proxy", (String) metadata(proxy).get("name"));
    assertThat(demo.getMetadata().getNamespace()).isEqualTo(metadata(proxy).get("namespace"));
    assertThat(((Map<?, ?>) proxy.get("spec")).get("mode")).isEqualTo("Sidecar");
  }

  @Test
  void thePrivateCaExampleReferencesItsConfigMap() throws IOException {
    List<Map<String, Object>> documents = RepoFiles.documents(RepoFiles.read("examples/private-ca.yaml"));
    Map<String, Object> configMap = documents.stream().filter(d -> "ConfigMap".equals(d.get("kind"))).findFirst().orElseThrow();
    Map<String, Object> proxy = proxies(List.of(RepoFiles.path("examples/private-ca.yaml"))).get(0);

    Map<?, ?> ref = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) proxy.get("spec")).get("trustedCA")).get("configMapRef");
    assertThat(ref.get("name")).isEqualTo(metadata(configMap).get("name"));
    assertThat(metadata(configMap).get("namespace")).isEqualTo(metadata(proxy).get("namespace"));
    assertThat((String) ((Map<?, ?>) configMap.get("data")).get(ref.get("key")))
        .startsWith("-----BEGIN CERTIFICATE-----").contains("-----END CERTIFICATE-----");
  }

  @Test
  void theMultiUpstreamExampleMarksItsPinsAsPlaceholders() {
    Map<String, Object> proxy = proxies(List.of(RepoFiles.path("examples/multi-upstream.yaml"))).get(0);
    List<?> upstreams = (List<?>) ((Map<?, ?>) proxy.get("spec")).get("upstreams");

    assertThat(upstreams).extracting(u -> ((Map<?, ?>) u).get("address") + "#" + ((Map<?, ?>) u).get("serverName"))
        .containsExactly("1.1.1.1#cloudflare-dns.com", "1.0.0.1#cloudflare-dns.com",
            "9.9.9.9#dns.quad9.net", "149.112.112.112#dns.quad9.net");
    assertThat(upstreams).allSatisfy(u -> assertThat((List<?>) ((Map<?, ?>) u).get("spkiPins"))
        .isNotEmpty().allSatisfy(pin -> assertThat(pin.toString()).startsWith("EXAMPLEonlyReplace")));
    assertThat(RepoFiles.read("examples/multi-upstream.yaml")).contains("PLACEHOLDERS, NOT REAL PINS");
  }

  /**
   * The NetworkPolicy examples are valid networking.k8s.io/v1 objects (no field the API would drop),
   * select the pods of the example CRs, and let DNS out only as the proxies need it: TCP 853 to the
   * CR's upstreams, port 53 only to kube-dns, nothing else on 53 or 853.
   */
  @Test
  void theNetworkPolicyExamplesSelectTheProxiesAndRestrictDnsEgress() {
    Map<String, Object> edge = proxies(List.of(RepoFiles.path("examples/daemonset-coredns.yaml"))).get(0);
    Map<String, Object> appDns = proxies(List.of(RepoFiles.path("examples/sidecar.yaml"))).get(0);
    List<NetworkPolicy> daemonSet = networkPolicies("examples/networkpolicy-daemonset.yaml");
    List<NetworkPolicy> sidecar = networkPolicies("examples/networkpolicy-sidecar.yaml");

    NetworkPolicy fleet = daemonSet.get(0);
    assertThat(fleet.getMetadata().getNamespace()).isEqualTo(metadata(edge).get("namespace"));
    assertThat(fleet.getSpec().getPodSelector().getMatchLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "app.kubernetes.io/name", "dotproxy", "app.kubernetes.io/instance", (String) metadata(edge).get("name"),
        "app.kubernetes.io/component", "proxy"));
    assertThat(egressTo(fleet)).containsExactlyInAnyOrder("TCP/853 9.9.9.9/32", "TCP/853 149.112.112.112/32");
    // By name: the pods listen on 53 or, where kubelets may refuse the port sysctl, on 5353.
    assertThat(fleet.getSpec().getIngress().get(0).getPorts())
        .extracting(p -> p.getProtocol() + "/" + p.getPort().getStrVal())
        .containsExactlyInAnyOrder("UDP/" + ProxyPorts.DNS_UDP, "TCP/" + ProxyPorts.DNS_TCP);
    assertThat(upstreamCidrs(edge)).containsExactlyInAnyOrder("9.9.9.9/32", "149.112.112.112/32");

    NetworkPolicy pods = sidecar.get(0);
    assertThat(pods.getMetadata().getNamespace()).isEqualTo(metadata(appDns).get("namespace"));
    assertThat(pods.getSpec().getPodSelector().getMatchLabels())
        .containsExactlyEntriesOf(Map.of("dotproxy.io/proxy", (String) metadata(appDns).get("name")));
    assertThat(egressTo(pods)).containsExactlyInAnyOrder("TCP/853 1.1.1.1/32", "TCP/853 1.0.0.1/32",
        "UDP/53 kube-dns", "TCP/53 kube-dns", "TCP/443 anywhere");
    assertThat(upstreamCidrs(appDns)).containsExactlyInAnyOrder("1.1.1.1/32", "1.0.0.1/32");

    assertThat(egressTo(daemonSet.get(1))).containsExactlyInAnyOrder("UDP/53 kube-dns", "TCP/53 kube-dns",
        "TCP/443 anywhere");
  }

  private static List<NetworkPolicy> networkPolicies(String file) {
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata object : RepoFiles.objects(RepoFiles.read(file))) {
      assertThat(object).as(file).isInstanceOf(NetworkPolicy.class);
      NetworkPolicy policy = (NetworkPolicy) object;
      assertThat(policy.getApiVersion()).isEqualTo("networking.k8s.io/v1");
      assertThat(policy.getAdditionalProperties()).as("%s: unknown fields", file).isEmpty();
      assertThat(policy.getSpec().getAdditionalProperties()).as("%s: unknown fields in spec", file).isEmpty();
      assertThat(policy.getSpec().getPolicyTypes()).contains("Egress");
      policies.add(policy);
    }
    return policies;
  }

  /** Each allowed egress as "PROTOCOL/PORT destination". */
  private static List<String> egressTo(NetworkPolicy policy) {
    List<String> allowed = new ArrayList<>();
    for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
      List<String> destinations = new ArrayList<>();
      if (rule.getTo() == null || rule.getTo().isEmpty()) {
        destinations.add("anywhere");
      } else {
        for (NetworkPolicyPeer peer : rule.getTo()) {
          if (peer.getIpBlock() != null) {
            destinations.add(peer.getIpBlock().getCidr());
          } else {
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                .containsExactlyEntriesOf(Map.of("kubernetes.io/metadata.name", "kube-system"));
            assertThat(peer.getPodSelector().getMatchLabels()).containsExactlyEntriesOf(Map.of("k8s-app", "kube-dns"));
            destinations.add("kube-dns");
          }
        }
      }
      for (NetworkPolicyPort port : rule.getPorts()) {
        for (String destination : destinations) {
          allowed.add(port.getProtocol() + "/" + port.getPort().getIntVal() + " " + destination);
        }
      }
    }
    return allowed;
  }

  private static List<String> upstreamCidrs(Map<String, Object> proxy) {
    return ((List<?>) ((Map<?, ?>) proxy.get("spec")).get("upstreams")).stream()
        .map(u -> ((Map<?, ?>) u).get("address") + "/32").toList();
  }

  static List<Path> exampleFiles() throws IOException {
    try (Stream<Path> files = Files.walk(RepoFiles.path("examples"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static List<Map<String, Object>> proxies(List<Path> files) {
    List<Map<String, Object>> proxies = new ArrayList<>();
    for (Path file : files) {
      for (Map<String, Object> document : RepoFiles.documents(RepoFiles.read(file))) {
        if ("DnsOverTlsProxy".equals(document.get("kind"))) {
          assertThat(document.get("apiVersion")).as(file.toString()).isEqualTo("dotproxy.io/v1alpha1");
          proxies.add(document);
        }
      }
    }
    return proxies;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> object) {
    return (Map<String, Object>) object.get("metadata");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(String text) {
    return Serialization.unmarshal(text, Map.class);
  }
}
