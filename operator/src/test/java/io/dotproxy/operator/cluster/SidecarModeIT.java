package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import java.time.Instant;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.dotproxy.operator.sidecar.KubeletVersionWatch;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ProxyConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sidecar mode through a real kube-apiserver (v1.20): the API server calls the operator's webhook over
 * HTTPS, trusting only the caBundle the operator wrote, applies the patch, defaults and validates the
 * result, and stores it.
 *
 * <p>The webhook configuration is the Helm chart's, with one change: the API server would turn
 * {@code clientConfig.service} into the Service's ClusterIP, which nothing routes here, so it calls
 * {@code https://localhost:<port>/mutate-pods} instead, the operator's webhook in this JVM. The operator
 * issues its serving certificate for that name too ({@code --webhook-cert-extra-names localhost}), as it
 * would for a developer running it outside the cluster.
 *
 * <p>One operator for the class; the last test stops it and starts it again. Each test has a namespace
 * and a Sidecar-mode DnsOverTlsProxy of its own.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SidecarModeIT {

  /** Cluster-scoped, so a name no other test class uses. */
  static final String CONFIG = "dotproxy-sidecar-it";
  static final String PROXY = "edge";
  static final String APP_IMAGE = "registry.example/shop/web:1.4.2";
  /** The real control plane shares two cores with other work. */
  static final Duration WAIT = Duration.ofSeconds(60);

  ControlPlane plane;
  KubernetesClient admin;
  String operatorNamespace;
  int webhookPort;
  OperatorInProcess operator;
  final List<String> namespaces = new ArrayList<>();

  @BeforeAll
  void installTheChartsWebhookAndStartTheOperator(ControlPlane plane) {
    this.plane = plane;
    this.admin = plane.admin();
    ClusterFixtures.installCrd(plane);
    ClusterFixtures.installKubeadmDns(plane, false);
    operatorNamespace = plane.newNamespace("sidecar-operator");
    namespaces.add(operatorNamespace);
    webhookPort = WebhookByUrl.freeLoopbackPort();
    // Before the operator: it patches the caBundle of an existing configuration, it never creates one.
    admin.resource(WebhookByUrl.configuration(CONFIG, webhookPort, operatorNamespace)).create();
    startOperator();
  }

  @AfterAll
  void removeWhatTheTestsMade() {
    if (operatorNamespace == null) {
      return; // nothing was made
    }
    try {
      if (operator == null) {
        startOperator(); // the CRs' finalizers need it
      }
      for (String ns : namespaces) {
        admin.pods().inNamespace(ns).withGracePeriod(0).delete();
        admin.resources(DnsOverTlsProxy.class).inNamespace(ns).delete();
      }
      for (String ns : namespaces) {
        Eventually.until("the proxies in " + ns + " deleted", WAIT,
            () -> admin.resources(DnsOverTlsProxy.class).inNamespace(ns).list().getItems(), List::isEmpty);
      }
    } finally {
      try {
        if (operator != null) {
          operator.close();
        }
      } finally {
        admin.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CONFIG).delete();
        namespaces.forEach(ns -> admin.namespaces().withName(ns).delete());
      }
    }
  }

  @Test
  @Order(1)
  void aLabelledPodIsStoredWithTheProxyAsAPlainContainerAndEveryApiDefaultAndCountedWhileItRuns(FakeKubelet kubelet) {
    String ns = sidecarNamespace(PROXY);

    Pod stored = admin.resource(app(ns, "web", Map.of(SidecarLabels.PROXY, PROXY), Map.of())).create();

    assertThat(stored.getMetadata().getAnnotations()).containsEntry(SidecarLabels.INJECTED, "true");
    // v1.20 has no native sidecars: --native-sidecars auto makes the proxy the first ordinary container.
    assertThat(stored.getSpec().getInitContainers()).isEmpty();
    assertThat(stored.getSpec().getContainers()).extracting(Container::getName).containsExactly("dotproxy", "web");
    Container proxy = stored.getSpec().getContainers().get(0);
    assertThat(proxy.getRestartPolicy()).isNull();
    assertThat(proxy.getImage()).isEqualTo(TestSettings.PROXY_IMAGE);
    assertThat(proxy.getArgs()).containsExactly("--config", "/etc/dotproxy/config.yaml");
    // The API server's defaults, applied to what the patch added.
    assertThat(proxy.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
    assertThat(proxy.getTerminationMessagePolicy()).isEqualTo("File");
    assertThat(proxy.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(proxy.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("dotproxy-admin");
      assertThat(p.getContainerPort()).isEqualTo(9153);
      assertThat(p.getProtocol()).isEqualTo("TCP");
    });
    for (var probe : List.of(proxy.getStartupProbe(), proxy.getLivenessProbe())) {
      assertThat(probe.getHttpGet().getPath()).isEqualTo("/livez");
      assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString(9153));
      assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTP");
      assertThat(probe.getSuccessThreshold()).isEqualTo(1);
    }
    assertThat(proxy.getStartupProbe().getFailureThreshold()).isEqualTo(120);
    assertThat(proxy.getReadinessProbe()).isNull();
    assertThat(proxy.getResources().getRequests()).containsEntry("cpu", new Quantity("50m")).containsEntry("memory", new Quantity("128Mi"));
    var security = proxy.getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getRunAsUser()).isEqualTo(65532L);
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    // The ServiceAccount admission plugin runs again after the webhook's change; the proxy's own mount at
    // the token's path keeps the token out of the proxy container.
    assertThat(proxy.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath).containsExactly(
        tuple("dotproxy-config", "/etc/dotproxy"), tuple("dotproxy-tmp", "/tmp"),
        tuple("dotproxy-no-token", "/var/run/secrets/kubernetes.io/serviceaccount"));
    assertThat(stored.getSpec().getVolumes()).filteredOn(v -> v.getName().startsWith("dotproxy-")).satisfiesExactly(
        config -> {
          assertThat(config.getConfigMap().getName()).isEqualTo("dotproxy-" + PROXY);
          assertThat(config.getConfigMap().getDefaultMode()).isEqualTo(420);
        },
        tmp -> assertThat(tmp.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Mi")),
        noToken -> assertThat(noToken.getEmptyDir()).isNotNull());
    assertThat(stored.getSpec().getDnsPolicy()).isEqualTo("None");
    assertThat(stored.getSpec().getDnsConfig().getNameservers()).containsExactly("127.0.0.1");
    assertThat(stored.getSpec().getDnsConfig().getSearches())
        .containsExactly(ns + ".svc.cluster.local", "svc.cluster.local", "cluster.local");
    assertThat(stored.getSpec().getDnsConfig().getOptions()).extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
        .containsExactly(tuple("ndots", "5"));
    assertThat(stored.getSpec().getSecurityContext().getSysctls()).extracting(Sysctl::getName, Sysctl::getValue)
        .containsExactly(tuple("net.ipv4.ip_unprivileged_port_start", "53"));
    // The application container is as the API server made it, service-account token included.
    Container web = stored.getSpec().getContainers().get(1);
    assertThat(web.getImage()).isEqualTo(APP_IMAGE);
    assertThat(web.getVolumeMounts()).extracting(VolumeMount::getMountPath)
        .containsExactly("/var/run/secrets/kubernetes.io/serviceaccount");

    admin.resource(app(ns, "web-2", Map.of(SidecarLabels.PROXY, PROXY), Map.of())).create();
    for (String pod : List.of("web", "web-2")) {
      Eventually.until(pod + " Running and Ready", WAIT, () -> admin.pods().inNamespace(ns).withName(pod).get(), FakeKubelet::isReady);
    }
    DnsOverTlsProxyStatus counted = awaitStatus(ns, PROXY, s -> Integer.valueOf(2).equals(s.getInjectedPods()));
    assertThat(counted.getUninjectedPods()).isZero();
    assertThat(counted.condition("Degraded").orElseThrow().getReason()).isEqualTo("AsExpected");

    kubelet.fail(ns, "web-2"); // a finished pod no longer counts
    awaitStatus(ns, PROXY, s -> Integer.valueOf(1).equals(s.getInjectedPods()));
    assertThat(sample(uninjectedGauge(ns, PROXY))).isZero();
  }

  @Test
  @Order(2)
  void theSearchListIsCutToTheLimitsThisApiServerValidates() {
    String ns = sidecarNamespace(PROXY);
    // The server's side of the gate: 1.20 validates at most 6 search paths (1.28: 32).
    Pod unlabelled = withSearches(app(ns, "seven", Map.of(), Map.of()), "a.example", "b.example", "c.example", "d.example",
        "e.example", "f.example", "g.example");
    assertThatThrownBy(() -> admin.resource(unlabelled).dryRun().create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("must not have more than 6 search paths");

    // 3 cluster searches + 5 of the pod's: the first 6 are kept, and kubectl shows the warning.
    Pod many = withSearches(app(ns, "many-searches", Map.of(SidecarLabels.PROXY, PROXY), Map.of()),
        "a.example", "b.example", "c.example", "d.example", "e.example");
    Kubectl.Result created = plane.kubectlWith(plane.adminKubeconfig())
        .runWithInput(Serialization.asYaml(many), "create", "-f", "-").assertSuccess();

    assertThat(created.err()).contains("Warning: dotproxy: search list shortened to 6 entries");
    assertThat(admin.pods().inNamespace(ns).withName("many-searches").get().getSpec().getDnsConfig().getSearches())
        .containsExactly(ns + ".svc.cluster.local", "svc.cluster.local", "cluster.local", "a.example", "b.example", "c.example");

    // Two long ones: the second would take the list past 256 characters (1.28: 2048).
    String longName1 = "a".repeat(60) + "." + "b".repeat(38) + ".example";
    String longName2 = "c".repeat(60) + "." + "d".repeat(38) + ".example";
    Pod stored = admin.resource(withSearches(app(ns, "long-searches", Map.of(SidecarLabels.PROXY, PROXY), Map.of()),
        longName1, longName2)).create();

    List<String> searches = stored.getSpec().getDnsConfig().getSearches();
    assertThat(searches).containsExactly(ns + ".svc.cluster.local", "svc.cluster.local", "cluster.local", longName1);
    assertThat(String.join(" ", searches).length()).isLessThanOrEqualTo(256);
    assertThat(String.join(" ", searches).length() + 1 + longName2.length()).isGreaterThan(256);
  }

  @Test
  @Order(3)
  void optedOutUnlabelledAndOperatorNamespacePodsAreStoredUntouched() {
    String ns = sidecarNamespace(PROXY);
    double sentBefore = admissionsInTotal();

    Pod plain = admin.resource(app(ns, "plain", Map.of(), Map.of())).create();

    assertThat(admissionsInTotal()).as("the objectSelector keeps unlabelled pods from the webhook").isEqualTo(sentBefore);
    double optedOutBefore = sample(admissions("opted_out"));
    Pod optedOut = admin.resource(app(ns, "opted-out", Map.of(SidecarLabels.PROXY, PROXY),
        Map.of(SidecarLabels.INJECT, "false"))).create();

    assertThat(sample(admissions("opted_out"))).as("sent to the webhook, which left it alone").isEqualTo(optedOutBefore + 1);
    assertThat(optedOut.getMetadata().getAnnotations()).containsOnlyKeys(SidecarLabels.INJECT);
    assertThat(withoutNode(optedOut.getSpec())).isEqualTo(withoutNode(plain.getSpec()));
    assertThat(plain.getSpec().getContainers()).extracting(Container::getName).containsExactly("web");
    assertThat(plain.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
    assertThat(plain.getSpec().getDnsConfig()).isNull();

    // The chart's namespaceSelector excludes the operator's namespace by its kubernetes.io/metadata.name
    // label, which API servers before 1.21 do not set: here the pod reaches the webhook, and the webhook's
    // own check keeps it unchanged.
    assertThat(admin.namespaces().withName(operatorNamespace).get().getMetadata().getLabels())
        .doesNotContainKey("kubernetes.io/metadata.name");
    double excludedBefore = sample(admissions("excluded_namespace"));
    Pod inOperatorNamespace = admin.resource(app(operatorNamespace, "own", Map.of(SidecarLabels.PROXY, PROXY), Map.of())).create();

    assertThat(sample(admissions("excluded_namespace"))).isEqualTo(excludedBefore + 1);
    assertThat(inOperatorNamespace.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(inOperatorNamespace.getSpec().getContainers()).extracting(Container::getName).containsExactly("web");
    assertThat(inOperatorNamespace.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");

    DnsOverTlsProxyStatus status = awaitStatus(ns, PROXY, s -> s.getInjectedPods() != null);
    assertThat(status.getUninjectedPods()).as("an opted-out pod is not missing its proxy").isZero();
  }

  @Test
  @Order(4)
  void aPodNamingAProxyThatDoesNotExistIsCreatedUntouchedWithAWarningAndReportedOnceTheProxyExists() {
    String ns = sidecarNamespace(PROXY);
    double notFoundBefore = sample(admissions("proxy_not_found"));

    Kubectl.Result created = plane.kubectlWith(plane.adminKubeconfig())
        .runWithInput(Serialization.asYaml(app(ns, "lost", Map.of(SidecarLabels.PROXY, "missing"), Map.of())), "create", "-f", "-")
        .assertSuccess();

    assertThat(created.err()).contains("Warning: dotproxy: not injected: no DnsOverTlsProxy missing in namespace " + ns);
    assertThat(sample(admissions("proxy_not_found"))).isEqualTo(notFoundBefore + 1);
    Pod lost = admin.pods().inNamespace(ns).withName("lost").get();
    assertThat(lost.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(lost.getSpec().getContainers()).extracting(Container::getName).containsExactly("web");

    createSidecarProxy(ns, "missing");

    DnsOverTlsProxyStatus status = awaitStatus(ns, "missing", s -> Integer.valueOf(1).equals(s.getUninjectedPods()));
    assertThat(status.condition("Degraded").orElseThrow().getReason()).isEqualTo("PodsWithoutProxy");
    assertThat(status.condition("Degraded").orElseThrow().getMessage()).contains(": lost;");
    assertThat(sample(uninjectedGauge(ns, "missing"))).isEqualTo(1);
  }

  @Test
  @Order(5)
  void aPodCreatedWhileTheWebhookIsDownHasNoProxyAndTheOperatorReportsItWhenItIsBack() {
    String ns = sidecarNamespace(PROXY);
    operator.close();
    operator = null;

    // failurePolicy Ignore: the API server cannot connect, and creates the pod as it is.
    Pod offline = admin.resource(app(ns, "offline", Map.of(SidecarLabels.PROXY, PROXY), Map.of())).create();

    assertThat(offline.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(offline.getSpec().getContainers()).extracting(Container::getName).containsExactly("web");
    assertThat(offline.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");

    startOperator(); // the same port and Secret: the API server's configuration still fits

    DnsOverTlsProxyStatus reported = awaitStatus(ns, PROXY, s -> Integer.valueOf(1).equals(s.getUninjectedPods()));
    assertThat(reported.condition("Degraded").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(reported.condition("Degraded").orElseThrow().getReason()).isEqualTo("PodsWithoutProxy");
    assertThat(reported.condition("Degraded").orElseThrow().getMessage())
        .startsWith("1 labelled pod runs without the proxy").contains(": offline;");
    assertThat(reported.condition("Ready").orElseThrow().getStatus()).as("new pods are injected").isEqualTo("True");
    Eventually.until("the uninjected-pods gauge", WAIT, () -> sample(uninjectedGauge(ns, PROXY)), v -> v == 1);
    String wide = plane.kubectl("get", "dotp", PROXY, "-n", ns, "-o", "wide").assertSuccess().out();
    assertThat(column(wide, "READY")).as("injected of labelled pods").isEqualTo("0/1");
    assertThat(column(wide, "UNINJECTED")).isEqualTo("1");

    // The webhook answers again, and the pod that replaces the uninjected one has the proxy.
    Pod replacement = admin.resource(app(ns, "offline-2", Map.of(SidecarLabels.PROXY, PROXY), Map.of())).create();
    assertThat(SidecarLabels.isInjected(replacement)).isTrue();
    admin.resource(offline).withGracePeriod(0).delete();

    DnsOverTlsProxyStatus recovered = awaitStatus(ns, PROXY,
        s -> Integer.valueOf(0).equals(s.getUninjectedPods()) && Integer.valueOf(1).equals(s.getInjectedPods()));
    assertThat(recovered.condition("Degraded").orElseThrow().getReason()).isEqualTo("AsExpected");
    Eventually.until("the gauge back at 0", WAIT, () -> sample(uninjectedGauge(ns, PROXY)), v -> v == 0);
  }

  @Test
  @Order(6)
  void withThisApiServerTheProxyStaysAPlainContainerWhateverTheNodesRunAndTheirKubeletsAreWatched(FakeKubelet kubelet) {
    assertThat(sample(NATIVE_SIDECARS)).isZero();
    double older = sample(linuxNodes(false));
    double newer = sample(linuxNodes(true));
    assertThat(older).as("node-a, node-b and node-tainted report kubelet v1.20.2").isGreaterThanOrEqualTo(3);
    String windows = "native-it-windows";
    String upgraded = "native-it-upgraded";
    try {
      kubelet.addNode(windows, Map.of("kubernetes.io/os", "windows"), List.of(), "v1.28.0");
      kubelet.addNode(upgraded, Map.of(), List.of(), "v1.29.1");

      // One watch stream, in order: once the second node is counted, the first has been seen.
      Eventually.until("the upgraded Linux node counted", WAIT, () -> sample(linuxNodes(true)), v -> v == newer + 1);
      assertThat(sample(linuxNodes(false))).as("the Windows node does not count").isEqualTo(older);
      assertThat(sample(NATIVE_SIDECARS)).as("the API server is 1.20").isZero();

      kubelet.deleteNode(upgraded);
      Eventually.until("the deleted node no longer counted", WAIT, () -> sample(linuxNodes(true)), v -> v == newer);
    } finally {
      admin.nodes().withName(upgraded).delete();
      admin.nodes().withName(windows).delete();
    }
  }

  @Test
  @Order(7)
  void withoutAccessToNodesTheWatchFallsBackToPlainContainersAndSaysWhy() {
    String ns = plane.newNamespace("native-norbac");
    namespaces.add(ns);
    ClusterCapabilities limits = new ClusterCapabilities(false, 32, 2048);
    try (KubernetesClient noNodes = plane.client(plane.serviceAccountToken(ns, "default"), ns);
        KubeletVersionWatch watch = KubeletVersionWatch.start(noNodes, new Version(1, 31), limits, new SimpleMeterRegistry())) {
      Eventually.until("a decision without the nodes", WAIT, watch::hasDecided, decided -> decided);

      assertThat(watch.get()).isEqualTo(limits);
      assertThat(watch.decision().reason())
          .contains("403: nodes is forbidden: User \"system:serviceaccount:" + ns + ":default\" cannot list resource \"nodes\"")
          .contains("grant list and watch on nodes");
    }
  }

  @Test
  @Order(8)
  void theSidecarsForwardTheReverseZonesOfTheServiceRangeAndTheNodesPodRangesToKubeDns(FakeKubelet kubelet) throws Exception {
    String ns = sidecarNamespace(PROXY);
    ProxyApi proxy = new ProxyApi(admin, ns, PROXY, WAIT);
    // 1.20 has no ServiceCIDRs: the /12 around kube-dns (10.0.0.10) holds the service range (10.0.0.0/24).
    List<String> serviceZones = IntStream.range(0, 16).mapToObj(o -> "- " + o + ".10.in-addr.arpa=10.0.0.10:53\n")
        .toList();
    assertThat(proxy.await(ConfigMap.class, "dotproxy-" + PROXY).getData().get("config.yaml"))
        .contains("- cluster.local=10.0.0.10:53\n").contains(serviceZones).doesNotContain("244.10.in-addr.arpa");

    String ipv4Node = "reverse-it-v4";
    String ipv6Node = "reverse-it-v6";
    try {
      // As kube-controller-manager's node IPAM does: a node's podCIDRs are set once, after it registered.
      kubelet.addLinuxNode(ipv4Node);
      admin.nodes().withName(ipv4Node).edit(n -> {
        n.getSpec().setPodCIDR("10.244.9.0/24");
        n.getSpec().setPodCIDRs(List.of("10.244.9.0/24"));
        return n;
      });
      kubelet.addLinuxNode(ipv6Node);
      admin.nodes().withName(ipv6Node).edit(n -> {
        n.getSpec().setPodCIDR("fd00:10:244:9::/64");
        n.getSpec().setPodCIDRs(List.of("fd00:10:244:9::/64"));
        return n;
      });
      assertThat(admin.nodes().withName(ipv6Node).get().getSpec().getPodCIDRs()).as("stored by the API server")
          .containsExactly("fd00:10:244:9::/64");

      String config = Eventually.until("the pod ranges' zones", WAIT,
          () -> proxy.get(ConfigMap.class, "dotproxy-" + PROXY).getData().get("config.yaml"),
          c -> c.contains("- 244.10.in-addr.arpa=10.0.0.10:53\n") && c.contains("- 4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa=10.0.0.10:53\n"));
      assertThat(config).contains(serviceZones);
      // What the runtime makes of it: these zones go to kube-dns, the rest of 10.in-addr.arpa stays local.
      ProxyConfig parsed = ConfigLoader.fromYaml(config);
      assertThat(parsed.forwardZones()).extracting(z -> z.zone().toString()).contains("244.10.in-addr.arpa.", "0.10.in-addr.arpa.");
    } finally {
      kubelet.deleteNode(ipv4Node);
      kubelet.deleteNode(ipv6Node);
    }
    Eventually.until("the deleted nodes' zones gone", WAIT,
        () -> proxy.get(ConfigMap.class, "dotproxy-" + PROXY).getData().get("config.yaml"),
        c -> !c.contains("244.10.in-addr.arpa") && !c.contains("ip6.arpa") && c.contains("- 15.10.in-addr.arpa="));
  }

  // --- helpers

  static final String NATIVE_SIDECARS = "dotproxy_operator_native_sidecars";

  @Test
  @Order(20)
  void aPatchedFleetSwitchedToSidecarModeServesCoreDnsUntilReleasedAndOnlyThenArePodsInjected() {
    ClusterFixtures.installKubeadmDns(plane, true);
    String original = ClusterFixtures.corefile(plane);
    String ns = plane.newNamespace("switch");
    namespaces.add(ns);
    DnsOverTlsProxy fleet = TestProxies.quad9(ns, "switch");
    fleet.getSpec().setCoreDNS(new CoreDnsSpec(true));
    admin.resource(fleet).create();
    ProxyApi proxy = new ProxyApi(admin, ns, "switch", WAIT);
    proxy.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED);
    String fleetConfig = proxy.get(ConfigMap.class, "dotproxy-switch").getData().get("config.yaml");

    proxy.edit(p -> {
      p.getSpec().setMode(ProxyMode.SIDECAR);
      p.getSpec().setCoreDNS(null); // a Sidecar-mode spec may not ask for the patch
    });

    DnsOverTlsProxy reverting = proxy.awaitStatus(p -> p.getStatus().getObservedGeneration() == 2L
        && p.getStatus().getCoreDNS().getState() == CoreDnsState.REVERTING);
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);
    assertThat(proxy.get(DaemonSet.class, "dotproxy-switch")).as("the fleet CoreDNS may still forward to").isNotNull();
    assertThat(proxy.get(Service.class, "dotproxy-switch")).isNotNull();
    assertThat(proxy.get(ConfigMap.class, "dotproxy-switch").getData().get("config.yaml"))
        .as("the fleet keeps listening where CoreDNS sends queries").isEqualTo(fleetConfig);
    Pod early = admin.resource(app(ns, "early", Map.of(SidecarLabels.PROXY, "switch"), Map.of())).dryRun().create();
    assertThat(SidecarLabels.isInjected(early)).as("no sidecar sharing the fleet's config").isFalse();
    Instant revertedAt = Instant.parse(reverting.getStatus().getCoreDNS().getLastTransitionTime());

    DnsOverTlsProxy released = proxy.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.DISABLED);
    assertThat(Instant.parse(released.getStatus().getCoreDNS().getLastTransitionTime()))
        .isAfterOrEqualTo(revertedAt.plus(TestSettings.COREDNS_RELEASE_GRACE));
    Eventually.until("the fleet to go", WAIT, () -> Optional.ofNullable(proxy.get(DaemonSet.class, "dotproxy-switch")),
        Optional::isEmpty);
    Eventually.until("pods in " + ns + " to be injected", WAIT,
        () -> admin.resource(app(ns, "late", Map.of(SidecarLabels.PROXY, "switch"), Map.of())).dryRun().create(),
        SidecarLabels::isInjected);
    assertThat(proxy.get(ConfigMap.class, "dotproxy-switch").getData().get("config.yaml"))
        .contains("- 127.0.0.1:53\n");
  }

  private static String linuxNodes(boolean nativeSidecars) {
    return "dotproxy_operator_linux_nodes{native_sidecars=\"" + nativeSidecars + "\"}";
  }

  /** The operator as its command line configures it, the webhook on the port the configuration names. */
  private void startOperator() {
    // No drain period: WebhookDrainIT covers it, and here it would only slow the stop down.
    OperatorSettings settings = WebhookByUrl.operatorSettings(operatorNamespace, webhookPort, CONFIG, Duration.ZERO);
    operator = OperatorInProcess.start(plane, settings, operatorNamespace);
    Eventually.until("the operator to be ready", WAIT, () -> operator.health("/readyz"), code -> code == 200);
    Eventually.until("the caBundle of " + CONFIG, WAIT,
        () -> admin.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CONFIG).get()
            .getWebhooks().get(0).getClientConfig().getCaBundle(),
        Objects::nonNull);
  }

  /**
   * A fresh namespace with a Sidecar-mode proxy, once the API server injects pods there: it has the
   * caBundle, and the webhook's cache has the proxy (server-side dry runs go through the webhook too).
   */
  private String sidecarNamespace(String proxy) {
    String ns = plane.newNamespace("sidecar");
    namespaces.add(ns);
    createSidecarProxy(ns, proxy);
    Eventually.until("pods in " + ns + " to be injected", WAIT,
        () -> admin.resource(app(ns, "probe", Map.of(SidecarLabels.PROXY, proxy), Map.of())).dryRun().create(),
        SidecarLabels::isInjected);
    return ns;
  }

  private void createSidecarProxy(String ns, String name) {
    DnsOverTlsProxy proxy = TestProxies.quad9(ns, name);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    admin.resource(proxy).create();
  }

  private static Pod app(String ns, String name, Map<String, String> labels, Map<String, String> annotations) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).withAnnotations(annotations).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("web").withImage(APP_IMAGE)
        .addNewPort().withName("http").withContainerPort(8080).endPort()
        .endContainer()
        .endSpec()
        .build();
  }

  private static Pod withSearches(Pod pod, String... searches) {
    pod.getSpec().setDnsConfig(new PodDNSConfigBuilder().withSearches(searches).build());
    return pod;
  }

  /** The scheduler may have bound one pod and not yet the other. */
  private static PodSpec withoutNode(PodSpec spec) {
    PodSpec copy = Serialization.clone(spec);
    copy.setNodeName(null);
    return copy;
  }

  private DnsOverTlsProxyStatus awaitStatus(String ns, String name, Predicate<DnsOverTlsProxyStatus> done) {
    return Eventually.until("the status of " + ns + "/" + name, WAIT,
        () -> admin.resources(DnsOverTlsProxy.class).inNamespace(ns).withName(name).get(),
        p -> p.getStatus() != null && done.test(p.getStatus())).getStatus();
  }

  private static String admissions(String outcome) {
    return "dotproxy_webhook_admissions_total{outcome=\"" + outcome + "\"}";
  }

  private static String uninjectedGauge(String ns, String proxy) {
    return "dotproxy_operator_uninjected_pods{namespace=\"" + ns + "\",proxy=\"" + proxy + "\"}";
  }

  /** A series' value in the operator's /metrics, 0 when it is not there (yet). */
  private double sample(String series) {
    return operator.metrics().lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .findFirst().orElse(0);
  }

  private double admissionsInTotal() {
    return operator.metrics().lines()
        .filter(line -> line.startsWith("dotproxy_webhook_admissions_total{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** The value in {@code table}'s first row under the header {@code name} (kubectl leaves empty cells blank). */
  private static String column(String table, String name) {
    List<String> lines = table.lines().toList();
    int start = (" " + lines.get(0) + " ").indexOf(" " + name + " ");
    assertThat(start).as("column " + name + " in\n" + table).isNotNegative();
    String rest = lines.get(1).substring(Math.min(start, lines.get(1).length()));
    return rest.isEmpty() || rest.startsWith(" ") ? "" : rest.split("\\s+")[0];
  }
}
