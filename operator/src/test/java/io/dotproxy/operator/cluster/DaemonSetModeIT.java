package io.dotproxy.operator.cluster;

import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyDaemonSetFactory;
import io.dotproxy.operator.resources.ProxyServiceFactory;
import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ProxyConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DaemonSet mode as a user sees it on a real API server (v1.20): what the server accepts and stores,
 * what its DaemonSet controller, scheduler and garbage collector make of the operator's objects, and the
 * CoreDNS patch on the stored Corefile. One operator for the class, reconciling only the class's
 * namespace; each test has a proxy of its own there, removed after it.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonSetModeIT {

  /** The controllers of a real control plane on a shared two-core machine take their time. */
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Duration RESYNC = Duration.ofSeconds(2);
  /** Ten periodic reconciliations: long enough for any update loop to show. */
  static final Duration QUIET = RESYNC.multipliedBy(10);
  static final String FINALIZER = "dnsovertlsproxies.dotproxy.io/finalizer";
  /** pkg/kubelet/sysctl/safe_sysctls.go in Kubernetes 1.20; ip_unprivileged_port_start joined in 1.22. */
  static final List<String> V1_20_SAFE_SYSCTLS = List.of(
      "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range");
  /** JOSDK's counters per proxy (name and namespace labels). */
  static final String RECONCILED = "operator_sdk_reconciliations_success_total";
  static final String FAILED = "operator_sdk_reconciliations_failed_total";

  ControlPlane plane;
  KubernetesClient client;
  String ns;
  OperatorInProcess operator;

  @BeforeAll
  void startOperator(ControlPlane plane) {
    this.plane = plane;
    this.client = plane.admin();
    ClusterFixtures.installCrd(plane);
    ClusterFixtures.installKubeadmDns(plane, true);
    ns = plane.newNamespace("daemonset");
    operator = OperatorInProcess.start(plane, TestSettings.withoutWebhook(TestSettings.PROXY_IMAGE, RESYNC, Set.of(ns)), ns);
  }

  @AfterAll
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  /** Whatever a test left (it failed half-way): deleted through the operator, so no CoreDNS block stays. */
  @AfterEach
  void deleteProxies() {
    List<DnsOverTlsProxy> left = client.resources(DnsOverTlsProxy.class).inNamespace(ns).list().getItems();
    left.forEach(p -> client.resource(p).delete());
    left.forEach(p -> proxy(p.getMetadata().getName()).awaitGone());
  }

  @Test
  void theFleetIsAcceptedOwnedLabelledAndReadyOnEveryLinuxNodeTaintedOrNot() {
    DnsOverTlsProxy created = client.resource(TestProxies.quad9(ns, "fleet")).create();
    ProxyApi fleet = proxy("fleet");

    ConfigMap configMap = fleet.await(ConfigMap.class, "dotproxy-fleet");
    DaemonSet daemonSet = fleet.await(DaemonSet.class, "dotproxy-fleet");
    Service service = fleet.await(Service.class, "dotproxy-fleet");
    for (HasMetadata owned : List.of(configMap, daemonSet, service)) {
      assertThat(owned.getMetadata().getLabels()).as(owned.getKind())
          .containsEntry("app.kubernetes.io/name", "dotproxy")
          .containsEntry("app.kubernetes.io/instance", "fleet")
          .containsEntry("app.kubernetes.io/component", "proxy")
          .containsEntry("app.kubernetes.io/managed-by", "dotproxy-operator");
      assertThat(owned.getMetadata().getOwnerReferences()).as(owned.getKind()).singleElement().satisfies(ref -> {
        assertThat(ref.getApiVersion()).isEqualTo("dotproxy.io/v1alpha1");
        assertThat(ref.getKind()).isEqualTo("DnsOverTlsProxy");
        assertThat(ref.getName()).isEqualTo("fleet");
        assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
      });
    }
    // The API server kept everything the operator sent: nothing is silently dropped...
    FleetCapabilities fleetCapabilities = FleetCapabilities.of(Version.parse(plane.version().getMajor(), plane.version().getMinor()));
    assertThat(droppedFields(ProxyDaemonSetFactory.desired(created, TestSettings.PROXY_IMAGE, fleetCapabilities), daemonSet))
        .isEmpty();
    assertThat(droppedFields(ProxyServiceFactory.desired(created, fleetCapabilities), service)).isEmpty();
    // ...because for v1.20 it sends no DaemonSet maxSurge, no Service internalTrafficPolicy (1.22) and
    // no trafficDistribution (1.31): queries go to any node's ready proxy, never to none.
    var rollingUpdate = daemonSet.getSpec().getUpdateStrategy().getRollingUpdate();
    assertThat(rollingUpdate.getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(rollingUpdate.getMaxSurge()).isNull();
    assertThat(service.getSpec().getInternalTrafficPolicy()).isNull();
    assertThat(service.getSpec().getTrafficDistribution()).isNull();
    assertThat(service.getSpec().getClusterIP()).startsWith("10.0.0.");
    PodSpec template = daemonSet.getSpec().getTemplate().getSpec();
    assertThat(template.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    // The API server (no limitedResources in its quota admission) lets the pods of a plain namespace have it.
    assertThat(template.getPriorityClassName()).isEqualTo("system-node-critical");
    // A v1.20 kubelet refuses pods with sysctls off its safe list (SysctlForbidden); the fake one does
    // not check, so this does. Without the port sysctl the proxy listens on 5353 behind the Service's 53.
    assertThat(template.getSecurityContext().getSysctls()).extracting(Sysctl::getName).isSubsetOf(V1_20_SAFE_SYSCTLS);
    // An IPv4 pod network (the operator's settings here): never [::], which fails where pods have no IPv6.
    assertThat(configMap.getData().get("config.yaml")).contains("9.9.9.9", "dns.quad9.net", "- 0.0.0.0:5353\n", "admin: 0.0.0.0:9153\n");
    // Nor ipFamilyPolicy (1.21): 1.20 would drop it (see theServiceAsksForDualStackOnlyWhereTheApiServerKeepsIt).
    assertThat(service.getSpec().getIpFamilyPolicy()).isNull();
    assertThat(template.getContainers().get(0).getPorts()).filteredOn(p -> p.getName().startsWith("dns"))
        .extracting(ContainerPort::getContainerPort).containsOnly(5353);
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort() + "->" + p.getTargetPort().getStrVal())
        .containsExactlyInAnyOrder("53->dns-udp", "53->dns-tcp");

    Set<String> linuxNodes = linuxNodes();
    assertThat(linuxNodes).contains("node-a", "node-b", RealCluster.TAINTED_NODE).doesNotContain(RealCluster.WINDOWS_NODE);
    DnsOverTlsProxy ready = fleet.awaitStatus(DaemonSetModeIT::complete);
    assertThat(condition(ready, "Ready").getReason()).isEqualTo("ProxiesReady");
    assertThat(condition(ready, "Degraded").getReason()).isEqualTo("AsExpected");
    assertThat(condition(ready, "Progressing").getStatus()).isEqualTo("False");
    assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(List.of(ready.getStatus().getDesiredProxies(), ready.getStatus().getReadyProxies(),
        ready.getStatus().getUpdatedProxies())).containsOnly(linuxNodes.size());
    assertThat(ready.getStatus().getCoreDNS().getState()).isEqualTo(CoreDnsState.DISABLED);
    assertThat(ready.getStatus().getPriorityClass().getName()).isEqualTo("system-node-critical");
    assertThat(ready.getStatus().getPriorityClass().getDefaultRefused()).isNull();
    assertThat(proxyPods("fleet")).allMatch(FakeKubelet::isReady)
        .allMatch(p -> p.getSpec().getPriority() == 2_000_001_000)
        .extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrderElementsOf(linuxNodes);

    Map<String, String> columns = kubectlGetWide("fleet");
    assertThat(columns).containsEntry("MODE", "DaemonSet")
        .containsEntry("READY", linuxNodes.size() + "/" + linuxNodes.size()).containsEntry("REASON", "ProxiesReady")
        .containsEntry("COREDNS", "Disabled").containsEntry("UPDATED", String.valueOf(linuxNodes.size()))
        .containsEntry("UNINJECTED", "");

    // Events on the CR, as the real API server stores them and kubectl describe shows them.
    Eventually.until("the ProxiesReady Event on fleet", WAIT, () -> events("fleet"),
        events -> events.stream().anyMatch(e -> e.getReason().equals("ProxiesReady")));
    Event readyEvent = events("fleet").stream().filter(e -> e.getReason().equals("ProxiesReady")).findFirst().orElseThrow();
    assertThat(readyEvent.getType()).isEqualTo("Normal");
    assertThat(readyEvent.getInvolvedObject().getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(readyEvent.getSource().getComponent()).isEqualTo("dotproxy-operator");
    assertThat(plane.kubectl("describe", "dotp", "fleet", "-n", ns).assertSuccess().out())
        .containsPattern("Normal\\s+ProxiesReady\\s+\\S+\\s+dotproxy-operator\\s+");
  }

  @Test
  void theServiceAsksForDualStackOnlyWhereTheApiServerKeepsIt() {
    DnsOverTlsProxy proxy = TestProxies.quad9(ns, "families");
    Service from121 = ProxyServiceFactory.desired(proxy, FleetCapabilities.of(Optional.of(new Version(1, 21))));
    assertThat(from121.getSpec().getIpFamilyPolicy()).isEqualTo("PreferDualStack");
    from121.getMetadata().setOwnerReferences(null);

    Service stored = client.resource(from121).create();
    try {
      // IPv6DualStack is alpha and off in 1.20: the server takes the Service and drops the field. So the
      // operator does not send it there, and its rendering (and hash) changes once the cluster is 1.21.
      assertThat(droppedFields(from121, stored)).containsExactly("/spec/ipFamilyPolicy");
      assertThat(stored.getSpec().getClusterIP()).startsWith("10.0.0.");
    } finally {
      client.resource(stored).delete();
    }
  }

  @Test
  void withIpv6InThePodNetworkTheFleetListensOnTheIpv6WildcardAndIsReady() throws Exception {
    String dualStackNs = plane.newNamespace("dualstack");
    try (OperatorInProcess dualStack = OperatorInProcess.start(plane,
        TestSettings.withoutWebhook(TestSettings.PROXY_IMAGE, RESYNC, Set.of(dualStackNs), IpFamilies.DUAL_STACK), dualStackNs)) {
      client.resource(TestProxies.quad9(dualStackNs, "fleet")).create();
      ProxyApi fleet = new ProxyApi(client, dualStackNs, "fleet", WAIT);

      String config = fleet.await(ConfigMap.class, "dotproxy-fleet").getData().get("config.yaml");
      ProxyConfig parsed = ConfigLoader.fromYaml(config);
      assertThat(parsed.listen()).extracting(Object::toString).as("[::] takes IPv4 too").containsExactly("[::]:5353");
      assertThat(parsed.admin()).as("the kubelet probes the pod IP, of either family").hasToString("[::]:9153");
      DnsOverTlsProxy ready = fleet.awaitStatus(DaemonSetModeIT::complete);
      assertThat(condition(ready, "Ready").getReason()).isEqualTo("ProxiesReady");
      assertThat(fleet.get(Service.class, "dotproxy-fleet").getSpec().getIpFamilyPolicy()).isNull();
      fleet.delete();
      fleet.awaitGone();
    } finally {
      client.namespaces().withName(dualStackNs).delete();
    }
  }

  /** The Events recorded on the DnsOverTlsProxy {@code name}. */
  private List<Event> events(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "DnsOverTlsProxy".equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void coreDnsForwardsToTheFleetBetweenItsMarkersOnlyNothingFightsAndDeletionLeavesNothingBehind() {
    ClusterFixtures.installKubeadmDns(plane, true);
    String original = ClusterFixtures.corefile(plane);
    DnsOverTlsProxy asked = TestProxies.quad9(ns, "edge");
    asked.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(asked).create();
    ProxyApi edge = proxy("edge");

    DnsOverTlsProxy ready = edge.awaitStatus(DaemonSetModeIT::complete);
    assertThat(ready.getStatus().getCoreDNS().getState()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(ready.getMetadata().getFinalizers()).containsExactly(FINALIZER);
    String fleetIp = edge.get(Service.class, "dotproxy-edge").getSpec().getClusterIP();
    assertPatchedOnlyBetweenMarkers(original, ClusterFixtures.corefile(plane), ns + "/edge", fleetIp);

    // No update loop: periodic reconciliations of a Ready fleet write nothing, not even the Corefile.
    List<String> before = resourceVersions(edge);
    double reconciledBefore = counter(RECONCILED, "edge");
    Eventually.sleep(QUIET);
    assertThat(resourceVersions(edge)).isEqualTo(before);
    assertThat(counter(RECONCILED, "edge") - reconciledBefore).as("reconciliations while quiet")
        .isGreaterThanOrEqualTo(QUIET.dividedBy(RESYNC) / 2.0);
    assertThat(counter(FAILED, "edge")).as("failed reconciliations").isZero();

    // Deleted: the block goes at once, the fleet only once CoreDNS has had time to reload.
    edge.delete();
    DnsOverTlsProxy releasing = edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.REVERTING);
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);
    assertThat(releasing.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(releasing.getMetadata().getFinalizers()).containsExactly(FINALIZER);
    assertThat(edge.get(DaemonSet.class, "dotproxy-edge")).as("the fleet CoreDNS may still forward to").isNotNull();
    assertThat(edge.get(Service.class, "dotproxy-edge").getSpec().getClusterIP()).isEqualTo(fleetIp);
    Instant revertedAt = Instant.parse(releasing.getStatus().getCoreDNS().getLastTransitionTime());
    edge.awaitGone();
    assertThat(Instant.now()).as("the fleet is released after the grace period")
        .isAfterOrEqualTo(revertedAt.plus(TestSettings.COREDNS_RELEASE_GRACE));
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);
    String instance = "app.kubernetes.io/instance=edge";
    Eventually.until("the garbage collector to remove the fleet and its pods", WAIT,
        () -> Stream.of(
                client.configMaps().inNamespace(ns).withLabel(instance).list().getItems(),
                client.apps().daemonSets().inNamespace(ns).withLabel(instance).list().getItems(),
                client.services().inNamespace(ns).withLabel(instance).list().getItems(),
                client.pods().inNamespace(ns).withLabel(instance).list().getItems())
            .flatMap(List::stream).map(o -> o.getKind() + " " + o.getMetadata().getName()).toList(),
        List::isEmpty);
  }

  @Test
  void coreDnsIsSwitchedOnlyWhereAProxyIsReadyAndTurningThePatchOffKeepsTheFleetServingUntilReleased() {
    ClusterFixtures.installKubeadmDns(plane, true);
    String original = ClusterFixtures.corefile(plane);
    // A CoreDNS pod where no proxy can run (the fleet is Linux-only): CoreDNS there would get no answer.
    Pod coreDnsOnWindows = client.resource(coreDnsPod("coredns-" + ns + "-windows", "node-windows")).create();
    DnsOverTlsProxy asked = TestProxies.quad9(ns, "switch");
    asked.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(asked).create();
    ProxyApi proxy = proxy("switch");
    int nodes = linuxNodes().size();

    try {
      DnsOverTlsProxy pending = proxy.awaitStatus(p -> p.getStatus().getCoreDNS() != null
          && p.getStatus().getCoreDNS().getState() == CoreDnsState.PENDING
          && p.getStatus().getReadyProxies() != null && p.getStatus().getReadyProxies() == nodes
          && p.getStatus().getCoreDNS().getMessage().contains("node-windows"));
      assertThat(pending.getStatus().getCoreDNS().getMessage())
          .isEqualTo("waiting for a ready proxy on node node-windows, where CoreDNS runs, before CoreDNS forwards to the fleet");
      assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);

      client.resource(coreDnsPod("coredns-" + ns + "-a", "node-a")).create();
      client.resource(coreDnsOnWindows).withGracePeriod(0).delete();
      DnsOverTlsProxy switched = proxy.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED);
      assertThat(ClusterFixtures.corefile(plane)).as("written before the status says so")
          .contains("# dotproxy:" + ns + "/switch begin");
      assertThat(condition(switched, "Ready").getStatus()).isEqualTo("True");

      proxy.edit(p -> p.getSpec().setCoreDNS(new CoreDnsSpec(false)));
      DnsOverTlsProxy reverting = proxy.awaitStatus(p -> p.getStatus().getObservedGeneration() == 2L
          && p.getStatus().getCoreDNS().getState() == CoreDnsState.REVERTING);
      assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);
      assertThat(condition(reverting, "Progressing").getReason()).isEqualTo("CoreDNSReverting");
      assertThat(condition(reverting, "Ready").getStatus()).isEqualTo("True");
      Instant revertedAt = Instant.parse(reverting.getStatus().getCoreDNS().getLastTransitionTime());

      DnsOverTlsProxy released = proxy.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.DISABLED);
      assertThat(Instant.parse(released.getStatus().getCoreDNS().getLastTransitionTime()))
          .isAfterOrEqualTo(revertedAt.plus(TestSettings.COREDNS_RELEASE_GRACE));
      Eventually.until("the CoreDNS Events on switch", WAIT, () -> events("switch"), events -> events.stream()
          .map(Event::getReason).toList().containsAll(List.of("CoreDNSPatched", "CoreDNSReverted")));
      assertThat(condition(released, "Progressing").getStatus()).isEqualTo("False");
    } finally {
      client.pods().inNamespace("kube-system").withLabel("k8s-app", "kube-dns").withGracePeriod(0).delete();
    }
  }

  @Test
  void aConfigEditIsHotReloadedWithoutRestartingPodsAndAnImageEditRollsEveryNode() {
    client.resource(TestProxies.quad9(ns, "reload")).create();
    ProxyApi reload = proxy("reload");
    reload.awaitStatus(DaemonSetModeIT::complete);
    DaemonSet daemonSet = reload.get(DaemonSet.class, "dotproxy-reload");
    Map<String, String> podsBefore = podUids("reload");

    reload.edit(p -> p.getSpec().setCache(cacheOf(500)));

    Eventually.until("the new cache size in the config", WAIT, () -> reload.get(ConfigMap.class, "dotproxy-reload"),
        cm -> cm.getData().get("config.yaml").contains("cache-size: 500"));
    reload.awaitStatus(p -> p.getStatus().getObservedGeneration() == 2L && complete(p));
    DaemonSet afterConfigEdit = reload.get(DaemonSet.class, "dotproxy-reload");
    assertThat(afterConfigEdit.getMetadata().getGeneration()).isEqualTo(daemonSet.getMetadata().getGeneration());
    assertThat(podUids("reload")).isEqualTo(podsBefore);
    // The runtime sees the new file: the ConfigMap is mounted as a directory, which the kubelet updates.
    PodSpec template = afterConfigEdit.getSpec().getTemplate().getSpec();
    assertThat(template.getVolumes()).anySatisfy(v -> assertThat(v.getConfigMap().getName()).isEqualTo("dotproxy-reload"));
    assertThat(template.getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/dotproxy"))
        .allSatisfy(m -> assertThat(m.getSubPath()).isNull());

    String next = "registry.example/dotproxy/proxy-runtime:next";
    reload.edit(p -> p.getSpec().setImage(next));

    DnsOverTlsProxy rolled = reload.awaitStatus(p -> p.getStatus().getObservedGeneration() == 3L && complete(p));
    assertThat(rolled.getStatus().getUpdatedProxies()).isEqualTo(podsBefore.size());
    List<Pod> podsAfter = proxyPods("reload");
    assertThat(podsAfter).hasSize(podsBefore.size())
        .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(next))
        .allSatisfy(p -> assertThat(podsBefore).doesNotContainValue(p.getMetadata().getUid()));
  }

  @Test
  void aNodeAddedLaterGetsItsProxyAndTheCountsFollowTheNodes(FakeKubelet kubelet) {
    client.resource(TestProxies.quad9(ns, "late")).create();
    ProxyApi late = proxy("late");
    int nodes = linuxNodes().size();
    late.awaitStatus(p -> hasCondition(p, "Ready", "True") && p.getStatus().getReadyProxies() == nodes);

    String node = kubelet.addLinuxNode("node-late-" + ns);
    try {
      DnsOverTlsProxy grown = late.awaitStatus(p -> hasCondition(p, "Ready", "True")
          && p.getStatus().getDesiredProxies() == nodes + 1 && p.getStatus().getReadyProxies() == nodes + 1);
      assertThat(grown.getStatus().getUpdatedProxies()).isEqualTo(nodes + 1);
      assertThat(proxyPods("late")).filteredOn(p -> node.equals(p.getSpec().getNodeName()))
          .singleElement().matches(FakeKubelet::isReady);
    } finally {
      kubelet.deleteNode(node);
    }
    // What the pod garbage collector does for pods bound to a vanished node, without its 40 s
    // quarantine; the v1.20 DaemonSet controller recounts when the pod goes, not when the node does.
    client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", "late").list().getItems().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()))
        .forEach(p -> client.resource(p).withGracePeriod(0).delete());

    DnsOverTlsProxy shrunk = late.awaitStatus(p -> p.getStatus().getDesiredProxies() == nodes);
    assertThat(shrunk.getStatus().getReadyProxies()).isEqualTo(nodes);
    assertThat(condition(shrunk, "Ready").getStatus()).isEqualTo("True");
  }

  /**
   * One node's proxy turning unready, then a node whose proxy is still starting: with four nodes one may
   * lag, so Ready never flips, while the counts and the message say which state the fleet is in.
   */
  @Test
  void oneUnreadyProxyOrANewNodesStartingProxyDoesNotTakeTheFleetOutOfReady(FakeKubelet kubelet) {
    client.resource(TestProxies.quad9(ns, "soft")).create();
    ProxyApi soft = proxy("soft");
    int nodes = linuxNodes().size();
    assertThat(nodes).as("tolerance 1 holds up to 19 nodes").isBetween(2, 18);
    DnsOverTlsProxy allReady = soft.awaitStatus(p -> hasCondition(p, "Ready", "True") && p.getStatus().getReadyProxies() == nodes);
    String readySince = condition(allReady, "Ready").getLastTransitionTime();

    Pod onNodeA = proxyPods("soft").stream().filter(p -> "node-a".equals(p.getSpec().getNodeName())).findFirst().orElseThrow();
    kubelet.setReady(ns, onNodeA.getMetadata().getName(), false);
    DnsOverTlsProxy oneUnready = soft.awaitStatus(p -> p.getStatus().getReadyProxies() == nodes - 1);
    assertThat(condition(oneUnready, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(oneUnready, "Ready").getMessage())
        .startsWith((nodes - 1) + " of " + nodes + " proxies ready")
        .contains("1 node lacks a ready, up-to-date proxy", "tolerated: up to 1 may");
    assertThat(condition(oneUnready, "Progressing").getStatus()).isEqualTo("True");
    kubelet.setReady(ns, onNodeA.getMetadata().getName(), true);
    soft.awaitStatus(p -> p.getStatus().getReadyProxies() == nodes && hasCondition(p, "Progressing", "False"));

    String node = "node-new-" + ns;
    kubelet.startOnly(pod -> !node.equals(pod.getSpec().getNodeName()));
    kubelet.addLinuxNode(node);
    try {
      DnsOverTlsProxy grown = soft.awaitStatus(p -> p.getStatus().getDesiredProxies() == nodes + 1);
      assertThat(grown.getStatus().getReadyProxies()).as("the new node's proxy is still Pending").isEqualTo(nodes);
      assertThat(condition(grown, "Ready").getStatus()).isEqualTo("True");
      assertThat(condition(grown, "Ready").getMessage()).startsWith(nodes + " of " + (nodes + 1) + " proxies ready")
          .contains("tolerated");
      assertThat(condition(grown, "Ready").getLastTransitionTime()).as("Ready never flipped").isEqualTo(readySince);
      Eventually.until("the new node's proxy pod", WAIT,
          () -> proxyPods("soft").stream().filter(p -> node.equals(p.getSpec().getNodeName())).toList(),
          pods -> pods.size() == 1 && "Pending".equals(pods.get(0).getStatus().getPhase()));
      DnsOverTlsProxy stillReady = soft.current();
      assertThat(condition(stillReady, "Ready").getStatus()).isEqualTo("True");
      assertThat(stillReady.getStatus().getReadyProxies()).isEqualTo(nodes);
    } finally {
      kubelet.startOnly(pod -> true);
      kubelet.deleteNode(node);
      client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", "soft").list().getItems().stream()
          .filter(p -> node.equals(p.getSpec().getNodeName()))
          .forEach(p -> client.resource(p).withGracePeriod(0).delete());
    }
    DnsOverTlsProxy shrunk = soft.awaitStatus(p -> p.getStatus().getDesiredProxies() == nodes && p.getStatus().getReadyProxies() == nodes);
    assertThat(condition(shrunk, "Ready").getLastTransitionTime()).isEqualTo(readySince);
  }

  // --- helpers

  /** A pod behind the kube-dns Service, bound to {@code node}: all the operator sees of CoreDNS. */
  private static Pod coreDnsPod(String name, String node) {
    return new PodBuilder()
        .withNewMetadata().withNamespace("kube-system").withName(name).addToLabels("k8s-app", "kube-dns").endMetadata()
        .withNewSpec().withNodeName(node).withAutomountServiceAccountToken(false)
        .addNewContainer().withName("coredns").withImage("registry.k8s.io/coredns/coredns:v1.8.0")
        .addNewPort().withContainerPort(53).withProtocol("UDP").withName("dns").endPort().endContainer()
        .addNewToleration().withOperator("Exists").endToleration()
        .endSpec()
        .build();
  }

  /** Ready, and no node lags: every proxy ready and up to date (Ready alone tolerates one lagging node). */
  private static boolean complete(DnsOverTlsProxy p) {
    return hasCondition(p, "Ready", "True") && hasCondition(p, "Progressing", "False");
  }

  private ProxyApi proxy(String name) {
    return new ProxyApi(client, ns, name, WAIT);
  }

  /** Where a proxy belongs: every Linux node, tainted or not. */
  private Set<String> linuxNodes() {
    return client.nodes().withLabel("kubernetes.io/os", "linux").list().getItems().stream()
        .map(Node::getMetadata).map(m -> m.getName()).collect(Collectors.toSet());
  }

  private List<Pod> proxyPods(String name) {
    return client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", name).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /** Node name to pod UID. */
  private Map<String, String> podUids(String name) {
    return proxyPods(name).stream().collect(Collectors.toMap(p -> p.getSpec().getNodeName(), p -> p.getMetadata().getUid()));
  }

  private List<String> resourceVersions(ProxyApi proxy) {
    return List.of(
        proxy.current().getMetadata().getResourceVersion(),
        proxy.get(ConfigMap.class, "dotproxy-edge").getMetadata().getResourceVersion(),
        proxy.get(DaemonSet.class, "dotproxy-edge").getMetadata().getResourceVersion(),
        proxy.get(Service.class, "dotproxy-edge").getMetadata().getResourceVersion(),
        client.configMaps().inNamespace("kube-system").withName("coredns").get().getMetadata().getResourceVersion());
  }

  /** The operator's counter {@code metric} for one proxy of the namespace; 0 before it has one. */
  private double counter(String metric, String name) {
    Pattern series = Pattern.compile(Pattern.quote(metric)
        + "(?=\\{(?:.*,)?name=\"" + Pattern.quote(name) + "\"[,}])"
        + "(?=\\{(?:.*,)?namespace=\"" + Pattern.quote(ns) + "\"[,}])"
        + "\\{.*\\} (\\S+)");
    return operator.metrics().lines().map(series::matcher).filter(Matcher::matches)
        .mapToDouble(m -> Double.parseDouble(m.group(1))).sum();
  }

  /** JSON pointers of what {@code sent} has and {@code stored} lacks: what the API server dropped. */
  private static List<String> droppedFields(HasMetadata sent, HasMetadata stored) {
    ObjectMapper json = Serialization.jsonMapper();
    return droppedFields(json.valueToTree(sent), json.valueToTree(stored), "");
  }

  private static List<String> droppedFields(JsonNode sent, JsonNode stored, String path) {
    List<String> dropped = new ArrayList<>();
    if (sent.isObject()) {
      sent.fields().forEachRemaining(field -> {
        JsonNode kept = stored.get(field.getKey());
        String at = path + "/" + field.getKey();
        if (kept == null || kept.isNull()) {
          // Empty lists and maps are omitted by the server's encoding; they carry nothing.
          if (!field.getValue().isContainerNode() || !field.getValue().isEmpty()) {
            dropped.add(at);
          }
        } else {
          dropped.addAll(droppedFields(field.getValue(), kept, at));
        }
      });
    } else if (sent.isArray()) {
      for (int i = 0; i < sent.size(); i++) {
        if (i < stored.size()) {
          dropped.addAll(droppedFields(sent.get(i), stored.get(i), path + "/" + i));
        } else {
          dropped.add(path + "/" + i);
        }
      }
    }
    return dropped;
  }

  /** {@code kubectl get dotp NAME -o wide}: column header to value (empty where kubectl prints nothing). */
  private Map<String, String> kubectlGetWide(String name) {
    List<String> lines = plane.kubectl("get", "dotp", name, "-n", ns, "-o", "wide").assertSuccess().out().lines().toList();
    assertThat(lines).hasSize(2);
    String header = lines.get(0);
    String row = lines.get(1);
    // kubectl aligns each value under its header; an empty value is blank, so split by position.
    Matcher column = Pattern.compile("\\S+").matcher(header);
    List<int[]> spans = new ArrayList<>();
    while (column.find()) {
      spans.add(new int[] {column.start(), column.end()});
    }
    Map<String, String> columns = new HashMap<>();
    for (int i = 0; i < spans.size(); i++) {
      int from = Math.min(spans.get(i)[0], row.length());
      int to = i + 1 < spans.size() ? Math.min(spans.get(i + 1)[0], row.length()) : row.length();
      columns.put(header.substring(spans.get(i)[0], spans.get(i)[1]), row.substring(from, to).trim());
    }
    return columns;
  }

  /**
   * The patched Corefile is the original with its {@code forward} lines moved, byte for byte behind
   * {@code #|}, into the marked block, and the block holds nothing else but the forward to the fleet.
   */
  private static void assertPatchedOnlyBetweenMarkers(String original, String patched, String owner, String fleetIp) {
    String begin = "# dotproxy:" + owner + " begin";
    String end = "# dotproxy:" + owner + " end";
    List<String> lines = Arrays.asList(patched.split("(?<=\n)"));
    int first = indexOfLineContaining(lines, begin);
    int last = indexOfLineContaining(lines, end);
    assertThat(first).as("the begin marker").isNotNegative();
    assertThat(last).as("the end marker after it").isGreaterThan(first);
    assertThat(patched.split(begin, -1)).as("one block").hasSize(2);

    List<String> block = lines.subList(first + 1, last);
    StringBuilder saved = new StringBuilder();
    List<String> added = block.stream().filter(l -> !l.trim().startsWith("#|")).toList();
    block.stream().filter(l -> l.trim().startsWith("#|"))
        .forEach(l -> saved.append(l, l.indexOf("#|") + 2, l.length()));
    assertThat(added).as("what the block adds").singleElement()
        .satisfies(l -> assertThat(l.trim()).isEqualTo("forward . " + fleetIp));
    assertThat(saved.toString()).as("the saved lines").contains("forward . /etc/resolv.conf");

    String outsideBefore = String.join("", lines.subList(0, first));
    String outsideAfter = String.join("", lines.subList(last + 1, lines.size()));
    assertThat(outsideBefore + saved + outsideAfter).as("the Corefile outside the block, saved lines put back")
        .isEqualTo(original);
  }

  private static int indexOfLineContaining(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private static CacheSpec cacheOf(int size) {
    var cache = new CacheSpec();
    cache.setSize(size);
    return cache;
  }
}
