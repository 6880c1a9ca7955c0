package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.app.DotproxyOperator;
import io.dotproxy.operator.config.RuntimeCompatibility;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.model.TrustedCA;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.OperatorHttp;
import io.dotproxy.operator.testing.TestCertificates;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpecBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator against the CRUD mock API server: what a user sees after kubectl apply/edit/delete. */
@EnableKubernetesMockClient(crud = true)
class DnsOverTlsProxyReconcilerTest {

  static final String NS = "dns";
  static final String NAME = "edge";
  static final String IMAGE = TestSettings.PROXY_IMAGE;
  static final Duration RESYNC = Duration.ofSeconds(1);

  @TempDir
  Path certDir;

  KubernetesMockServer server;
  KubernetesClient client;
  MockCluster cluster;
  DotproxyOperator operator;
  ProxyApi edge;

  @BeforeEach
  void startOperator() {
    // A current cluster: the fleet surges and its Service is node-local (DaemonSetModeIT covers v1.20).
    cluster = new MockCluster(server, client).withCrd().withNamespaces(NS, "kube-system").withKubernetesVersion("1", "30");
    edge = new ProxyApi(client, NS, NAME);
  }

  @AfterEach
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  void start() {
    operator = DotproxyOperator.start(TestSettings.withoutWebhook(IMAGE, RESYNC), client);
  }

  /** Sidecar mode needs the injection webhook: on, with certificates as cert-manager would mount them. */
  void startWithWebhook() {
    Path certs = TestCertificates.writeServing(certDir, List.of("dotproxy-operator-webhook.dotproxy-system.svc"));
    operator = DotproxyOperator.start(TestSettings.withExternalWebhook(IMAGE, RESYNC, certs), client);
  }

  @Test
  void createsConfigMapDaemonSetAndServiceOwnedByTheProxy() {
    start();
    DnsOverTlsProxy proxy = client.resource(TestProxies.quad9(NS, NAME)).create();

    ConfigMap cm = edge.await(ConfigMap.class, "dotproxy-edge");
    DaemonSet ds = edge.await(DaemonSet.class, "dotproxy-edge");
    Service svc = edge.await(Service.class, "dotproxy-edge");

    assertThat(cm.getData().get("config.yaml")).contains("9.9.9.9").contains("dns.quad9.net");
    assertThat(cm.getData()).doesNotContainKey("ca.crt");
    assertThat(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(IMAGE);
    assertThat(svc.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
    for (HasMetadata owned : List.of(cm, ds, svc)) {
      assertThat(owned.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(proxy.getMetadata().getUid()));
      assertThat(owned.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/name", "dotproxy")
          .containsEntry("app.kubernetes.io/instance", NAME)
          .containsEntry("app.kubernetes.io/component", "proxy")
          .containsEntry("app.kubernetes.io/managed-by", "dotproxy-operator");
    }
    assertThat(edge.current().getMetadata().getFinalizers()).containsExactly("dnsovertlsproxies.dotproxy.io/finalizer");
  }

  @Test
  void isProgressingUntilEveryProxyIsReadyThenReady() {
    start();
    client.resource(TestProxies.quad9(NS, NAME)).create();
    edge.await(DaemonSet.class, "dotproxy-edge");

    DnsOverTlsProxy progressing = edge.awaitStatus(p -> hasCondition(p, "Progressing", "True"));
    assertThat(condition(progressing, "Ready").getStatus()).isEqualTo("False");

    cluster.reportFleetReady(NS, "dotproxy-edge", 3);
    DnsOverTlsProxy ready = edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));

    long generation = ready.getMetadata().getGeneration();
    assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(generation);
    assertThat(ready.getStatus().getConditions())
        .extracting(Condition::getType, Condition::getStatus, Condition::getObservedGeneration)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("Ready", "True", generation),
            org.assertj.core.groups.Tuple.tuple("Progressing", "False", generation),
            org.assertj.core.groups.Tuple.tuple("Degraded", "False", generation));
    assertThat(ready.getStatus().getDesiredProxies()).isEqualTo(3);
    assertThat(ready.getStatus().getReadyProxies()).isEqualTo(3);
    assertThat(ready.getStatus().getCoreDNS().getState()).isEqualTo(CoreDnsState.DISABLED);
  }

  @Test
  void imageChangeRollsTheDaemonSet() {
    start();
    client.resource(TestProxies.quad9(NS, NAME)).create();
    edge.await(DaemonSet.class, "dotproxy-edge");

    edge.edit(p -> p.getSpec().setImage("registry.example/dotproxy/proxy-runtime:next"));

    DaemonSet rolled = Eventually.until("the new image", () -> edge.get(DaemonSet.class, "dotproxy-edge"),
        ds -> ds.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().endsWith(":next"));
    // Kubernetes 1.31: beside the old pod (ProxyDaemonSetFactoryTest covers the rollout before 1.22)
    assertThat(rolled.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
  }

  @Test
  void missingTrustedCaIsDegradedNamingItAndRecoversWhenItAppears() {
    start();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setTrustedCA(TrustedCA.fromConfigMap("corp-ca", "ca.crt"));
    client.resource(proxy).create();

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("TrustedCANotFound");
    assertThat(condition(degraded, "Degraded").getMessage()).contains("ConfigMap dns/corp-ca not found");
    assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("False");
    assertThat(edge.get(ConfigMap.class, "dotproxy-edge")).isNull();

    String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(NS).withName("corp-ca").endMetadata()
        .addToData("ca.crt", pem).build()).create();

    ConfigMap cm = edge.await(ConfigMap.class, "dotproxy-edge");
    assertThat(cm.getData()).containsEntry("ca.crt", pem);
    assertThat(cm.getData().get("config.yaml")).contains("ca-file: /etc/dotproxy/ca.crt");
    edge.awaitStatus(p -> hasCondition(p, "Degraded", "False"));
  }

  @Test
  void aPinnedImageOlderThanTheSkewWindowChangesNothingAndSaysWhy() {
    start();
    client.resource(TestProxies.quad9(NS, NAME)).create();
    ConfigMap rendered = edge.await(ConfigMap.class, "dotproxy-edge");
    assertThat(rendered.getData().get("config.yaml")).startsWith("version: '" + RuntimeCompatibility.NEWEST + "'\n");

    // A runtime release line older than any this operator drives (0.0: before the first release).
    edge.edit(p -> p.getSpec().setImage("registry.example/dotproxy/proxy-runtime:0.0.9"));
    edge.edit(p -> p.getSpec().getUpstreams().get(0).setServerName("changed.example"));

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("UnsupportedProxyImage");
    assertThat(condition(degraded, "Degraded").getMessage())
        .startsWith("proxy image registry.example/dotproxy/proxy-runtime:0.0.9 runs proxy runtime 0.0,");
    assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("False");
    assertThat(edge.get(ConfigMap.class, "dotproxy-edge").getData()).isEqualTo(rendered.getData());
    assertThat(edge.get(DaemonSet.class, "dotproxy-edge").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(IMAGE);

    edge.edit(p -> p.getSpec().setImage(null));
    Eventually.until("the edit applied", () -> edge.get(ConfigMap.class, "dotproxy-edge"),
        cm -> cm.getData().get("config.yaml").contains("changed.example"));
    edge.awaitStatus(p -> hasCondition(p, "Degraded", "False"));
  }

  @Test
  void sidecarModeRendersOnlyTheConfigMapAndSwitchingToItRemovesTheFleet() {
    cluster.withClusterDns("10.96.0.10");
    startWithWebhook();
    client.resource(TestProxies.quad9(NS, NAME)).create();
    edge.await(DaemonSet.class, "dotproxy-edge");
    edge.await(Service.class, "dotproxy-edge");

    edge.edit(p -> p.getSpec().setMode(ProxyMode.SIDECAR));

    Eventually.until("the fleet to be removed", () -> List.of(
            Optional.ofNullable(edge.get(DaemonSet.class, "dotproxy-edge")), Optional.ofNullable(edge.get(Service.class, "dotproxy-edge"))),
        l -> l.stream().allMatch(Optional::isEmpty));
    ConfigMap cm = Eventually.until("the sidecar config", () -> edge.get(ConfigMap.class, "dotproxy-edge"),
        c -> c.getData().get("config.yaml").contains("127.0.0.1:53"));
    assertThat(cm.getData().get("config.yaml"))
        .contains("- 127.0.0.1:53", "admin: 0.0.0.0:9153", "- cluster.local=10.96.0.10:53")
        .doesNotContain("0.0.0.0:53");
    DnsOverTlsProxy ready = edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));
    assertThat(condition(ready, "Ready").getReason()).isEqualTo("ConfigRendered");
    assertThat(ready.getStatus().getDesiredProxies()).isNull();
    assertThat(ready.getStatus().getInjectedPods()).isZero();
  }

  @Test
  void sidecarModeWithoutTheWebhookSaysSoAndRendersNothing() {
    cluster.withClusterDns("10.96.0.10");
    start();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(proxy).create();

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("InvalidSpec");
    assertThat(condition(degraded, "Degraded").getMessage()).contains("injection webhook", "--webhook-enabled false");
    assertThat(edge.get(ConfigMap.class, "dotproxy-edge")).isNull();
  }

  @Test
  void sidecarModeWaitsForTheClusterDnsServiceAndNamesIt() {
    startWithWebhook();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(proxy).create();

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("ClusterDNSNotFound");
    assertThat(condition(degraded, "Degraded").getMessage()).contains("kube-system/kube-dns");
    assertThat(edge.get(ConfigMap.class, "dotproxy-edge")).isNull();

    cluster.withClusterDns("fd00::a");

    ConfigMap cm = edge.await(ConfigMap.class, "dotproxy-edge");
    assertThat(cm.getData().get("config.yaml")).contains("cluster.local=[fd00::a]:53");
    edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));
  }

  @Test
  void sidecarModeForwardsTheReverseZonesOfTheServiceAndPodRangesToTheClusterDnsAndFollowsTheNodes() {
    client.resource(nodeWithPodRanges("node-a", "10.244.0.0/24")).create();
    client.resource(nodeWithPodRanges("node-no-ipam")).create();
    startWithAReadySidecarProxy();

    String config = edge.await(ConfigMap.class, "dotproxy-edge").getData().get("config.yaml");
    // The service range from the cluster DNS IP (kubeadm's 10.96.0.0/12), the pod range from the node.
    assertThat(config).contains("- cluster.local=10.96.0.10:53\n", "- 96.10.in-addr.arpa=10.96.0.10:53\n",
        "- 111.10.in-addr.arpa=10.96.0.10:53\n", "- 244.10.in-addr.arpa=10.96.0.10:53\n")
        .doesNotContain("112.10.in-addr.arpa", "ip6.arpa");

    client.resource(nodeWithPodRanges("node-b", "10.245.0.0/24", "fd00:10:244:1::/64")).create();
    Eventually.until("the new node's ranges", () -> edge.get(ConfigMap.class, "dotproxy-edge").getData().get("config.yaml"),
        c -> c.contains("- 245.10.in-addr.arpa=10.96.0.10:53\n") && c.contains("- 4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa=10.96.0.10:53\n"));
    client.nodes().withName("node-b").delete();
    Eventually.until("the deleted node's ranges gone", () -> edge.get(ConfigMap.class, "dotproxy-edge").getData().get("config.yaml"),
        c -> !c.contains("245.10.in-addr.arpa") && !c.contains("ip6.arpa") && c.contains("- 244.10.in-addr.arpa="));
  }

  @Test
  void fromKubernetes133TheServiceRangesAreTheServiceCidrs() {
    cluster.withKubernetesVersion("1", "33");
    client.resource(serviceCidr("kubernetes", "10.96.0.0/16", "fd00:10:96::/112")).create();
    startWithAReadySidecarProxy();

    String config = edge.await(ConfigMap.class, "dotproxy-edge").getData().get("config.yaml");
    assertThat(config).contains("- 96.10.in-addr.arpa=10.96.0.10:53\n",
        "- 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa=10.96.0.10:53\n")
        .as("no more than the ServiceCIDRs say").doesNotContain("97.10.in-addr.arpa");

    client.resource(serviceCidr("more-services", "10.100.0.0/16")).create();
    Eventually.until("the added service range", () -> edge.get(ConfigMap.class, "dotproxy-edge").getData().get("config.yaml"),
        c -> c.contains("- 100.10.in-addr.arpa=10.96.0.10:53\n"));
  }

  @Test
  void sidecarModeCountsTheInjectedPodsOfItsProxy() {
    startWithAReadySidecarProxy();

    client.resource(pod("web-1", NAME, true, "Running")).create();
    client.resource(pod("web-2", NAME, true, "Pending")).create();
    client.resource(pod("job-1", NAME, true, "Succeeded")).create(); // finished: not counted
    Pod optedOut = pod("opted-out", NAME, false, "Running");
    optedOut.getMetadata().setAnnotations(Map.of("dotproxy.io/inject", "false"));
    client.resource(optedOut).create(); // labelled, not injected, on purpose
    client.resource(pod("other", "other-proxy", true, "Running")).create();

    edge.awaitStatus(p -> Integer.valueOf(2).equals(p.getStatus().getInjectedPods()));
    assertThat(edge.current().getStatus().getUninjectedPods()).isZero();
    assertThat(metrics()).contains("dotproxy_operator_uninjected_pods{namespace=\"dns\",proxy=\"edge\"} 0.0");

    client.pods().inNamespace(NS).withName("web-2").delete();
    edge.awaitStatus(p -> Integer.valueOf(1).equals(p.getStatus().getInjectedPods()));
  }

  @Test
  void sidecarModeReportsLabelledPodsThatRunWithoutTheProxyInStatusAndMetric() {
    startWithAReadySidecarProxy();
    client.resource(pod("web-1", NAME, true, "Running")).create();

    // Created while the webhook was down: labelled, never injected.
    client.resource(pod("web-2", NAME, false, "Running")).create();
    client.resource(pod("job-1", NAME, false, "Succeeded")).create(); // finished: not counted

    DnsOverTlsProxy degraded = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("PodsWithoutProxy");
    assertThat(condition(degraded, "Degraded").getMessage()).contains(": web-2;");
    assertThat(degraded.getStatus().getUninjectedPods()).isEqualTo(1);
    assertThat(degraded.getStatus().getInjectedPods()).isEqualTo(1);
    assertThat(condition(degraded, "Ready").getStatus()).isEqualTo("True");
    Eventually.until("the gauge", this::metrics,
        m -> m.contains("dotproxy_operator_uninjected_pods{namespace=\"dns\",proxy=\"edge\"} 1.0"));

    // The pod finishes (e.g. replaced by a rollout restart): nothing left to report.
    client.pods().inNamespace(NS).withName("web-2").editStatus(p -> new PodBuilder(p).editStatus().withPhase("Succeeded").endStatus().build());
    edge.awaitStatus(p -> hasCondition(p, "Degraded", "False"));
    assertThat(edge.current().getStatus().getUninjectedPods()).isZero();
    Eventually.until("the gauge back at 0", this::metrics,
        m -> m.contains("dotproxy_operator_uninjected_pods{namespace=\"dns\",proxy=\"edge\"} 0.0"));

    // A proxy that is gone has no series.
    edge.delete();
    edge.awaitGone();
    assertThat(metrics()).doesNotContain("dotproxy_operator_uninjected_pods{");
  }

  @Test
  void coreDnsIsPatchedOnceTheFleetIsReadyRepatchedAfterARewriteAndRestoredOnDelete() {
    cluster.withCorefile(Corefiles.KUBEADM);
    start();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(proxy).create();
    edge.await(Service.class, "dotproxy-edge");
    cluster.assignClusterIp(NS, "dotproxy-edge", "10.96.0.53");

    DnsOverTlsProxy pending = edge.awaitStatus(p -> p.getStatus() != null && p.getStatus().getCoreDNS().getState() == CoreDnsState.PENDING);
    assertThat(condition(pending, "Ready").getReason()).isIn("ProxiesNotReady", "CoreDNSPending");
    assertThat(cluster.corefile()).isEqualTo(Corefiles.KUBEADM);

    cluster.reportFleetReady(NS, "dotproxy-edge", 2);
    String patched = Eventually.until("the Corefile patch", cluster::corefile, c -> c.contains("forward . 10.96.0.53"));
    assertThat(patched).contains("# dotproxy:dns/edge begin", "# dotproxy:dns/edge end");
    edge.awaitStatus(p -> hasCondition(p, "Ready", "True") && p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED);

    cluster.replaceCorefile(Corefiles.KUBEADM); // e.g. an addon manager resetting it
    assertThat(Eventually.until("the patch to come back", cluster::corefile, c -> c.contains("forward . 10.96.0.53")))
        .isEqualTo(patched);

    client.resource(edge.current()).delete();
    Eventually.until("the original Corefile", cluster::corefile, Corefiles.KUBEADM::equals);
    edge.awaitGone();
  }

  @Test
  void turningTheCoreDnsPatchOffRestoresTheCorefile() {
    cluster.withCorefile(Corefiles.KUBEADM);
    start();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(proxy).create();
    edge.await(Service.class, "dotproxy-edge");
    cluster.assignClusterIp(NS, "dotproxy-edge", "10.96.0.53");
    cluster.reportFleetReady(NS, "dotproxy-edge", 1);
    Eventually.until("the Corefile patch", cluster::corefile, c -> c.contains("forward . 10.96.0.53"));
    String patchedVersion = client.configMaps().inNamespace("kube-system").withName("coredns").get()
        .getMetadata().getResourceVersion();
    Eventually.sleep(RESYNC.multipliedBy(3)); // periodic reconciliations must not rewrite it
    assertThat(client.configMaps().inNamespace("kube-system").withName("coredns").get().getMetadata().getResourceVersion())
        .isEqualTo(patchedVersion);

    edge.edit(p -> p.getSpec().setCoreDNS(new CoreDnsSpec(false)));

    Eventually.until("the original Corefile", cluster::corefile, Corefiles.KUBEADM::equals);
    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.DISABLED);
  }

  @Test
  void aCorefileThatCannotBeUnderstoodIsRefusedAndLeftAlone() {
    String odd = ".:53 { forward . 8.8.8.8 }\n";
    cluster.withCorefile(odd);
    start();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(proxy).create();
    edge.await(Service.class, "dotproxy-edge");
    cluster.assignClusterIp(NS, "dotproxy-edge", "10.96.0.53");
    cluster.reportFleetReady(NS, "dotproxy-edge", 1);

    DnsOverTlsProxy refused = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(condition(refused, "Degraded").getReason()).isEqualTo("CoreDNSPatchRefused");
    assertThat(condition(refused, "Degraded").getMessage()).contains("cannot be patched safely");
    assertThat(refused.getStatus().getCoreDNS().getState()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(cluster.corefile()).isEqualTo(odd);
  }

  // --- helpers

  private void startWithAReadySidecarProxy() {
    cluster.withClusterDns("10.96.0.10");
    startWithWebhook();
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, NAME);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(proxy).create();
    edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));
  }

  private static Node nodeWithPodRanges(String name, String... podCidrs) {
    Node node = MockCluster.node(name, "linux", "v1.33.0");
    node.setSpec(new NodeSpecBuilder().withPodCIDRs(podCidrs).withPodCIDR(podCidrs.length == 0 ? null : podCidrs[0]).build());
    return node;
  }

  private static ServiceCIDR serviceCidr(String name, String... cidrs) {
    return new ServiceCIDRBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withCidrs(cidrs).endSpec().build();
  }

  private static Pod pod(String name, String proxy, boolean injected, String phase) {
    var builder = new PodBuilder()
        .withNewMetadata().withNamespace(NS).withName(name).addToLabels("dotproxy.io/proxy", proxy).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec()
        .withNewStatus().withPhase(phase).endStatus();
    if (injected) {
      builder.editMetadata().addToAnnotations("dotproxy.io/injected", "true").endMetadata();
    }
    return builder.build();
  }

  private String metrics() {
    return OperatorHttp.body(operator.httpPort(), "/metrics");
  }
}
