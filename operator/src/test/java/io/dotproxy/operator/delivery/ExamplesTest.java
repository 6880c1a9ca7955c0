package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
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
  }

  @Test
  void theCelRulesThatCannotRunHereAreKnown() {
    // No CEL interpreter here: these are checked by the API server only (CommittedCrdTest checks they
    // are in the CRD). The examples were written against them by hand.
    assertThat(schema.celRulesNotRun()).containsExactlyInAnyOrder(
        ".: self.metadata.name.size() <= 54",
        ".: has(self.spec)",
        ".spec: !has(self.coreDNS) || !has(self.coreDNS.patch) || !self.coreDNS.patch || !has(self.mode) || self.mode == 'DaemonSet'",
        ".spec.cache: !has(self.minTTL) || !has(self.maxTTL) || self.minTTL <= self.maxTTL",
        ".spec.trustedCA: has(self.configMapRef) != has(self.secretRef)",
        ".spec.upstreams[].address: self.matches('^[0-9]{1,3}([.][0-9]{1,3}){3}$') || (self.contains(':') && self.matches('^[0-9a-fA-F:.]+$'))");
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
