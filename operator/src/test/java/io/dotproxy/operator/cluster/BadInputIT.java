package io.dotproxy.operator.cluster;

import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.Eventually;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DnsOverTlsProxies users get wrong, applied with kubectl to a real v1.20 API server, which has no CEL.
 * What the CRD's schema can say (enums, required fields, ranges, list sizes, types, patterns, the name
 * rules) the API server refuses, and kubectl's error names the field. The rest (what only the CRD's CEL
 * rules say on 1.25+, and what the proxy runtime would refuse that no pattern sees) is stored, and the
 * operator reports it Degraded with reason InvalidSpec, deploys nothing for it, writes its status once and
 * stays ready.
 *
 * <p>InvalidSpecTest covers the same on the mock API server, which checks nothing, for what a schema
 * would refuse here (objects stored under an older CRD, or a CRD applied without its schema).
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Duration RESYNC = Duration.ofSeconds(2);
  static final ResourceDefinitionContext PROXIES = ResourceDefinitionContext.fromResourceType(DnsOverTlsProxy.class);
  static final String UPSTREAM = "upstreams: [{address: 9.9.9.9, serverName: dns.quad9.net}]";

  TestOperator operator;
  String namespace;

  @BeforeAll
  void startTheOperator(ControlPlane plane) {
    operator = TestOperator.start(plane, RESYNC, false, "bad-input");
    namespace = operator.namespace(0);
  }

  @AfterAll
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  /** Through `kubectl apply --validate=false`: the API server's answer, as Helm, ArgoCD or a client get it. */
  @Test
  void theApiServerRefusesWhatTheSchemaSaysNamingTheField(ControlPlane plane) {
    // name -> spec (YAML under "spec:", null for none) and what the error must say
    Map<String, List<String>> cases = new LinkedHashMap<>();
    cases.put("bad-mode", List.of("mode: Daemonset\n" + UPSTREAM, "spec.mode: Unsupported value: \"Daemonset\""));
    cases.put("bad-policy", List.of("policy: fast\n" + UPSTREAM, "spec.policy: Unsupported value: \"fast\""));
    cases.put("no-upstreams", List.of("mode: DaemonSet", "spec.upstreams: Required value"));
    cases.put("empty-upstreams", List.of("upstreams: []", "spec.upstreams: Invalid value", "should have at least 1 items"));
    cases.put("too-many-upstreams", List.of("upstreams: [" + IntStream.rangeClosed(1, 17).mapToObj(i -> "{address: 10.0.0." + i + "}")
        .collect(Collectors.joining(", ")) + "]", "spec.upstreams: Invalid value: 17", "should have at most 16 items"));
    cases.put("no-address", List.of("upstreams: [{serverName: dns.quad9.net}]", "spec.upstreams.address: Required value"));
    cases.put("port-range", List.of("upstreams: [{address: 9.9.9.9, port: 70000}]",
        "spec.upstreams.port", "should be less than or equal to 65535"));
    cases.put("negative-cache", List.of(UPSTREAM + "\ncache: {size: -1}", "spec.cache.size", "should be greater than or equal to 0"));
    cases.put("cache-as-text", List.of(UPSTREAM + "\ncache: {size: big}", "spec.cache.size", "must be of type integer"));
    cases.put("upstreams-as-object", List.of("upstreams: {address: 9.9.9.9}", "spec.upstreams", "must be of type array"));
    cases.put("bad-duration", List.of(UPSTREAM + "\ntimeout: 5sec", "spec.timeout", "should match '^[0-9]+(ms|s|m|h)$'"));
    cases.put("hostname-upstream", List.of("upstreams: [{address: dns.quad9.net}]", "spec.upstreams.address", "should match"));
    cases.put("bad-pin", List.of("upstreams: [{address: 9.9.9.9, spkiPins: [not-a-pin]}]", "spec.upstreams.spkiPins", "should match"));
    cases.put("hostname-forwarder", List.of(UPSTREAM + "\nforwardZones: [{zone: corp.example, servers: [dns.corp.example]}]",
        "spec.forwardZones.servers", "should match"));
    cases.put("long-image", List.of(UPSTREAM + "\nimage: registry.example/" + "x".repeat(500), "spec.image", "at most 512 chars"));
    cases.put("no-spec", List.of("", "spec: Required value"));
    cases.put("edge.v2", List.of(UPSTREAM, "metadata.name", "should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"));
    cases.put("p".repeat(55), List.of(UPSTREAM, "metadata.name", "should be at most 54 chars long"));

    String yaml = cases.entrySet().stream().map(c -> proxy(c.getKey(), c.getValue().get(0))).collect(Collectors.joining("---\n"));
    Kubectl.Result result = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(yaml, "apply", "--validate=false", "-f", "-");

    assertThat(result.exitCode()).isNotZero();
    Map<String, String> errors = errorsByName(result.err());
    cases.forEach((name, c) -> assertThat(errors.get(name)).as(name + " in:\n" + result.err())
        .isNotNull().contains(c.subList(1, c.size())));
    cases.keySet().forEach(name -> assertThat(stored(plane.admin(), name).get()).as(name + " stored").isNull());
  }

  /**
   * kubectl's own validation (on by default) checks types and unknown fields before anything is sent, and
   * names the field. The unknown field matters most: a 1.20 API server silently prunes it.
   */
  @Test
  void kubectlsOwnValidationNamesTypeErrorsAndUnknownFieldsThatThisApiServerWouldPrune(ControlPlane plane) {
    Kubectl.Result types = plane.kubectlWith(plane.adminKubeconfig())
        .runWithInput(proxy("query-log-as-text", UPSTREAM + "\nqueryLog: \"yes\""), "apply", "-f", "-");
    assertThat(types.exitCode()).isNotZero();
    assertThat(types.err()).contains("DnsOverTlsProxy.spec.queryLog: got \"string\", expected \"boolean\"");

    String typo = proxy("typo", UPSTREAM + "\ncache: {sizee: 100}");
    Kubectl.Result checked = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(typo, "apply", "-f", "-");
    assertThat(checked.exitCode()).isNotZero();
    assertThat(checked.err()).contains("ValidationError(DnsOverTlsProxy.spec.cache): unknown field \"sizee\"");

    plane.kubectlWith(plane.adminKubeconfig()).runWithInput(typo, "apply", "--validate=false", "-f", "-").assertSuccess();
    assertThat((Map<?, ?>) stored(plane.admin(), "typo").get().get("spec", "cache")).as("pruned by the API server").isEmpty();
    stored(plane.admin(), "typo").delete();
  }

  @Test
  void whatOnlyCelOrTheRuntimeWouldRefuseIsDegradedAndNothingIsDeployedForIt(ControlPlane plane) {
    // name -> spec and the problem the status must name
    Map<String, List<String>> cases = new LinkedHashMap<>();
    cases.put("two-ca-refs", List.of(UPSTREAM + "\ntrustedCA: {configMapRef: {name: corp-ca}, secretRef: {name: corp-ca}}",
        "spec: trustedCA needs exactly one of configMapRef or secretRef"));
    cases.put("ttl-order", List.of(UPSTREAM + "\ncache: {minTTL: 600, maxTTL: 60}",
        "spec: cache.minTTL must not be greater than cache.maxTTL"));
    cases.put("patch-in-sidecar-mode", List.of("mode: Sidecar\n" + UPSTREAM + "\ncoreDNS: {patch: true}",
        "spec: coreDNS.patch needs mode DaemonSet"));
    cases.put("octet-above-255", List.of("upstreams: [{address: 999.9.9.9}]",
        "spec.upstreams[0]: address must be an IPv4 or IPv6 address (a hostname cannot be resolved before the proxy has DNS) (not \"999.9.9.9\")"));
    cases.put("two-double-colons", List.of("upstreams: [{address: \"2620::fe::fe\"}]", "spec.upstreams[0]: address must be an IPv4 or IPv6 address"));
    cases.put("underscore-server-name", List.of("upstreams: [{address: 9.9.9.9, serverName: dns_quad9.net}]",
        "spec.upstreams[0].serverName: must be a DNS name"));
    cases.put("forwarder-port-70000", List.of(UPSTREAM + "\nforwardZones: [{zone: corp.example, servers: [\"10.0.0.53:70000\"]}]",
        "spec.forwardZones[0]: each server must be ADDR or ADDR:PORT with an IP address"));
    String good = proxy("good", "mode: Sidecar\n" + UPSTREAM);
    String yaml = cases.entrySet().stream().map(c -> proxy(c.getKey(), c.getValue().get(0))).collect(Collectors.joining("---\n"));

    plane.kubectlWith(plane.adminKubeconfig()).runWithInput(yaml + "---\n" + good, "apply", "-f", "-").assertSuccess();

    KubernetesClient client = plane.admin();
    Eventually.until("the valid proxy next to them Ready", TIMEOUT, () -> proxy(client, "good"), p -> hasCondition(p, "Ready", "True"));
    Map<String, String> versions = new LinkedHashMap<>();
    cases.forEach((name, c) -> {
      DnsOverTlsProxy degraded = Eventually.until(name + " Degraded", TIMEOUT, () -> proxy(client, name),
          p -> hasCondition(p, "Degraded", "True"));
      assertThat(condition(degraded, "Degraded").getReason()).as(name).isEqualTo("InvalidSpec");
      assertThat(condition(degraded, "Degraded").getMessage()).as(name).contains(c.get(1));
      assertThat(condition(degraded, "Ready").getReason()).as(name).isEqualTo("InvalidSpec");
      assertThat(degraded.getStatus().getObservedGeneration()).as(name).isEqualTo(degraded.getMetadata().getGeneration());
      versions.put(name, degraded.getMetadata().getResourceVersion());
    });

    Eventually.sleep(RESYNC.multipliedBy(3)); // periodic reconciliations of every proxy

    for (String name : cases.keySet()) {
      for (Class<? extends HasMetadata> type : List.of(ConfigMap.class, DaemonSet.class, Service.class)) {
        assertThat(client.resources(type).inNamespace(namespace).withName("dotproxy-" + name).get())
            .as(name + ": " + type.getSimpleName()).isNull();
      }
      assertThat(proxy(client, name).getMetadata().getResourceVersion()).as(name + ": written once, not on every pass")
          .isEqualTo(versions.get(name));
    }
    assertThat(client.configMaps().inNamespace(namespace).withName("dotproxy-good").get()).isNotNull();
    assertThat(ClusterFixtures.corefile(plane)).doesNotContain("patch-in-sidecar-mode");
    assertThat(operator.operator().health("/readyz")).isEqualTo(200);
  }

  private String proxy(String name, String spec) {
    String indented = spec.lines().map(line -> "  " + line).collect(Collectors.joining("\n"));
    return """
        apiVersion: dotproxy.io/v1alpha1
        kind: DnsOverTlsProxy
        metadata:
          name: %s
          namespace: %s
        %s
        """.formatted(name, namespace, spec.isEmpty() ? "" : "spec:\n" + indented);
  }

  /** kubectl's error for each object it names: "... DnsOverTlsProxy.dotproxy.io "NAME" is invalid: ...". */
  private static Map<String, String> errorsByName(String err) {
    Map<String, String> errors = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)DnsOverTlsProxy\\.dotproxy\\.io \"([^\"]+)\" is invalid: (.*)$").matcher(err);
    while (m.find()) {
      errors.put(m.group(1), m.group(2));
    }
    return errors;
  }

  private Resource<GenericKubernetesResource> stored(KubernetesClient client, String name) {
    return client.genericKubernetesResources(PROXIES).inNamespace(namespace).withName(name);
  }

  private DnsOverTlsProxy proxy(KubernetesClient client, String name) {
    return client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).get();
  }
}
