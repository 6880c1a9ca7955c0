package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.OperatorOnMockApi.NS;
import static io.dotproxy.operator.testing.OperatorOnMockApi.RESYNC;
import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.ApiPaths;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.FaultyApiServer;
import io.dotproxy.operator.testing.FaultyApiServer.Served;
import io.dotproxy.operator.testing.OperatorOnMockApi;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DnsOverTlsProxies that the CRD's rules should have refused but that got stored anyway (the mock API
 * server, like an API server without CEL or a CRD applied without its schema, checks nothing): each is
 * Degraded with reason InvalidSpec naming what is wrong, nothing is made from it, it is not retried in a
 * loop, and the operator stays ready and keeps serving the valid proxy next to them.
 */
class InvalidSpecTest {

  static final String UPSTREAM = "{\"address\": \"9.9.9.9\", \"serverName\": \"dns.quad9.net\"}";

  final OperatorOnMockApi cluster = new OperatorOnMockApi();
  final FaultyApiServer api = cluster.api();

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void eachInvalidProxyIsDegradedNamingTheProblemGetsNothingAndTheValidOneIsServed() {
    // name -> stored spec, and what its Degraded message must say
    Map<String, List<String>> invalid = new LinkedHashMap<>();
    invalid.put("bad-address", List.of("{\"upstreams\": [{\"address\": \"dns.google\"}]}",
        "spec.upstreams[0]: address must be an IPv4 or IPv6 address"));
    invalid.put("no-upstreams", List.of("{\"upstreams\": []}", "spec.upstreams: at least one upstream is required"));
    invalid.put("unknown-mode", List.of("{\"mode\": \"Gateway\", \"upstreams\": [" + UPSTREAM + "]}",
        "spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar"));
    invalid.put("negative-cache", List.of("{\"upstreams\": [" + UPSTREAM + "], \"cache\": {\"size\": -1}}",
        "spec.cache.size: must be 0 or more"));
    invalid.put("two-ca-refs", List.of("{\"upstreams\": [" + UPSTREAM + "], "
        + "\"trustedCA\": {\"configMapRef\": {\"name\": \"corp-ca\"}, \"secretRef\": {\"name\": \"corp-ca\"}}}",
        "spec: trustedCA needs exactly one of configMapRef or secretRef"));
    invalid.put("cache-as-text", List.of("{\"upstreams\": [" + UPSTREAM + "], \"cache\": {\"size\": \"big\"}}",
        "spec.cache.size: expected a whole number, not \"big\""));
    invalid.put("future-field", List.of("{\"upstreams\": [" + UPSTREAM + "], \"ecs\": \"forward\"}",
        "spec.ecs: not a field of DnsOverTlsProxy in this version of the operator"));
    // Custom resources may have DNS-subdomain names; the Service dotproxy-<name> needs a DNS label.
    invalid.put("edge.v2", List.of("{\"upstreams\": [" + UPSTREAM + "]}", "metadata.name: must be a DNS label of at most 54"));
    cluster.start();
    invalid.forEach((name, spec) -> TestProxies.createRaw(cluster.client(), NS, name, spec.get(0)));
    TestProxies.createRaw(cluster.client(), NS, "no-spec", null);
    invalid.put("no-spec", List.of("", "spec is required"));
    cluster.client().resource(TestProxies.quad9(NS, "good")).create();

    ProxyApi good = cluster.proxy("good");
    good.await(DaemonSet.class, "dotproxy-good");
    cluster.cluster().reportFleetReady(NS, "dotproxy-good", 2);
    good.awaitStatus(p -> hasCondition(p, "Ready", "True"));
    for (var entry : invalid.entrySet()) {
      DnsOverTlsProxy degraded = cluster.proxy(entry.getKey()).awaitStatus(p -> hasCondition(p, "Degraded", "True"));
      assertThat(condition(degraded, "Degraded").getReason()).as(entry.getKey()).isEqualTo("InvalidSpec");
      assertThat(condition(degraded, "Degraded").getMessage()).as(entry.getKey()).contains(entry.getValue().get(1));
      assertThat(condition(degraded, "Ready").getReason()).as(entry.getKey()).isEqualTo("InvalidSpec");
      assertThat(condition(degraded, "Ready").getMessage()).as(entry.getKey()).startsWith("the spec cannot be applied: ");
    }

    Eventually.sleep(RESYNC.multipliedBy(3)); // periodic reconciliations of every proxy

    for (String name : invalid.keySet()) {
      ProxyApi proxy = cluster.proxy(name);
      for (Class<? extends HasMetadata> type : List.of(ConfigMap.class, DaemonSet.class, Service.class)) {
        assertThat(proxy.get(type, "dotproxy-" + name)).as(name + " " + type.getSimpleName()).isNull();
      }
      // Written once, not rewritten or retried on every pass.
      assertThat(api.served("PATCH", ApiPaths.proxyStatus(NS, name))).as(name).hasSize(1);
    }
    assertThat(api.served()).filteredOn(s -> s.code() >= 500).isEmpty();
    assertThat(cluster.health("/readyz")).isEqualTo(200);
  }

  @Test
  void aProxyEditedIntoAnUnreadableOneKeepsWhatItRunsUntilItIsFixed() {
    cluster.start();
    cluster.client().resource(TestProxies.quad9(NS, "edge")).create();
    ProxyApi edge = cluster.proxy("edge");
    edge.await(ConfigMap.class, "dotproxy-edge");
    edge.await(Service.class, "dotproxy-edge");
    edge.await(DaemonSet.class, "dotproxy-edge");
    List<String> before = ownedVersions(edge);

    mergePatch("edge", "{\"spec\": {\"mode\": \"Gateway\", \"cache\": {\"size\": 100}}}");

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getMessage()).isEqualTo("spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar");
    assertThat(degraded.getStatus().getObservedGeneration()).isEqualTo(2);
    assertThat(ownedVersions(edge)).isEqualTo(before);

    mergePatch("edge", "{\"spec\": {\"mode\": \"DaemonSet\"}}");

    Eventually.until("the config with the new cache size", () -> edge.get(ConfigMap.class, "dotproxy-edge"),
        cm -> cm.getData().get("config.yaml").contains("cache-size: 100"));
    edge.awaitStatus(p -> hasCondition(p, "Degraded", "False"));
    assertThat(api.served()).extracting(Served::code).noneMatch(code -> code >= 500);
  }

  private void mergePatch(String name, String patch) {
    cluster.client().genericKubernetesResources(ResourceDefinitionContext.fromResourceType(DnsOverTlsProxy.class))
        .inNamespace(NS).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  private static List<String> ownedVersions(ProxyApi proxy) {
    return List.of(
        proxy.get(ConfigMap.class, "dotproxy-edge").getMetadata().getResourceVersion(),
        proxy.get(DaemonSet.class, "dotproxy-edge").getMetadata().getResourceVersion(),
        proxy.get(Service.class, "dotproxy-edge").getMetadata().getResourceVersion());
  }
}
