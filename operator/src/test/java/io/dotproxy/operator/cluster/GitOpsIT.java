package io.dotproxy.operator.cluster;

import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example DnsOverTlsProxies kept in Git and applied the way ArgoCD applies them (server-side apply
 * under its own field manager) to a real API server, with the operator reconciling them: once the fleets
 * are settled, applying the same manifests again changes nothing, and over a quiet period, in which the
 * operator reconciles every proxy several times, nobody writes anything: not the operator to the
 * DnsOverTlsProxies, to the objects it made or to CoreDNS's ConfigMap. The operator owns no field of a
 * spec, so a later change by the GitOps tool applies without a conflict and is rolled out.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GitOpsIT {

  static final String MANAGER = "argocd-controller";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Duration RESYNC = Duration.ofSeconds(5);
  /** Six periodic reconciliations of every proxy. */
  static final Duration QUIET = RESYNC.multipliedBy(6);
  static final List<String> FILES = List.of("daemonset-coredns.yaml", "private-ca.yaml", "multi-upstream.yaml", "sidecar.yaml");
  static final List<String> DNS_PROXIES = List.of("edge", "corp", "multi");

  TestOperator operator;
  String dns;
  String demo;
  ExampleManifests examples;

  @BeforeAll
  void startTheOperator(ControlPlane plane) {
    operator = TestOperator.start(plane, RESYNC, true, "gitops-dns", "gitops-demo");
    dns = operator.namespace(0);
    demo = operator.namespace(1);
    examples = new ExampleManifests(Map.of("dns", dns, "demo", demo));
  }

  @AfterAll
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void reappliedManifestsChangeNothingAndNobodyWritesWhileNothingHappens(ControlPlane plane) {
    KubernetesClient client = plane.admin();
    List<Map<String, Object>> documents = FILES.stream().flatMap(f -> examples.documents(f).stream()).toList();
    String manifests = ExampleManifests.yaml(documents);
    List<String> applied = ExampleManifests.outputLines(documents, "serverside-applied");

    String first = serverSideApply(plane, manifests).out();
    applied.forEach(line -> assertThat(first).containsPattern(line));
    awaitSettled(client);
    List<HasMetadata> before = watched(client);

    List<String> writes;
    try (Writes recorder = new Writes()) {
      recorder.watch(client.resources(DnsOverTlsProxy.class).inNamespace(dns), "DnsOverTlsProxy");
      recorder.watch(client.resources(DnsOverTlsProxy.class).inNamespace(demo), "DnsOverTlsProxy");
      recorder.watch(client.configMaps().inNamespace(dns), "ConfigMap");
      recorder.watch(client.configMaps().inNamespace(demo), "ConfigMap");
      recorder.watch(client.apps().daemonSets().inNamespace(dns), "DaemonSet");
      recorder.watch(client.services().inNamespace(dns), "Service");
      recorder.watch(client.apps().deployments().inNamespace(demo), "Deployment");
      recorder.watch(client.configMaps().inNamespace("kube-system").withField("metadata.name", "coredns"), "ConfigMap");

      String again = serverSideApply(plane, manifests).out();
      applied.forEach(line -> assertThat(again).containsPattern(line));
      Eventually.sleep(QUIET);
      writes = recorder.writes();
    }

    assertThat(writes).as("writes after the fleets settled: the second apply and the operator's periodic reconciliations")
        .isEmpty();
    assertThat(versions(watched(client))).isEqualTo(versions(before));
    for (DnsOverTlsProxy proxy : proxies(client)) {
      assertThat(proxy.getMetadata().getManagedFields()).as(proxy.getMetadata().getName())
          .anySatisfy(f -> assertThat(f.getManager()).isEqualTo(MANAGER))
          .filteredOn(f -> !MANAGER.equals(f.getManager()))
          .as("%s: fields of the spec owned by another manager", proxy.getMetadata().getName())
          .noneMatch(f -> Objects.toString(f.getFieldsV1().getAdditionalProperties()).contains("f:spec"));
    }
    List<String> table = plane.kubectl("get", "dotp", "-n", dns).assertSuccess().out().lines().toList();
    assertThat(table.get(0)).matches("NAME\\s+MODE\\s+READY\\s+REASON\\s+COREDNS\\s+AGE\\s*");
    assertThat(table).anySatisfy(row -> assertThat(row).matches("edge\\s+DaemonSet\\s+\\d+/\\d+\\s+ProxiesReady\\s+\\S+\\s+\\S+\\s*"));

    // A change made in Git: applied without --force-conflicts, and rolled out.
    String changed = manifests.replace("size: 20000", "size: 30000");
    assertThat(changed).isNotEqualTo(manifests);
    assertThat(serverSideApply(plane, changed).out()).contains("dnsovertlsproxy.dotproxy.io/edge serverside-applied");
    Eventually.until("the new cache size in edge's config", TIMEOUT,
        () -> client.configMaps().inNamespace(dns).withName("dotproxy-edge").get(),
        cm -> cm.getData().get("config.yaml").contains("cache-size: 30000"));
    Eventually.until("edge Ready for generation 2", TIMEOUT, () -> proxy(client, dns, "edge"),
        p -> p.getStatus().getObservedGeneration() == 2 && hasCondition(p, "Ready", "True"));

    // Pruned from Git: the operator restores CoreDNS before the proxies go.
    plane.kubectlWith(plane.adminKubeconfig()).runWithInput(changed, "delete", "-f", "-").assertSuccess();
    Eventually.until("the example proxies gone", TIMEOUT, () -> proxies(client), List::isEmpty);
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(Corefiles.KUBEADM);
  }

  private static Kubectl.Result serverSideApply(ControlPlane plane, String manifests) {
    return plane.kubectlWith(plane.adminKubeconfig())
        .runWithInput(manifests, "apply", "--server-side", "--field-manager=" + MANAGER, "-f", "-").assertSuccess();
  }

  private void awaitSettled(KubernetesClient client) {
    for (DnsOverTlsProxy proxy : Eventually.until("the example proxies", TIMEOUT, () -> proxies(client), l -> l.size() == 4)) {
      String name = proxy.getMetadata().getName();
      Eventually.until(name + " Ready", TIMEOUT, () -> proxy(client, proxy.getMetadata().getNamespace(), name),
          p -> p.getStatus() != null && Objects.equals(p.getStatus().getObservedGeneration(), p.getMetadata().getGeneration())
              && hasCondition(p, "Ready", "True"));
    }
    Eventually.until("CoreDNS forwarding to edge", TIMEOUT, () -> proxy(client, dns, "edge"),
        p -> p.getStatus().getCoreDNS() != null && p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED);
    Eventually.until("the demo Deployment available", TIMEOUT, () -> client.apps().deployments().inNamespace(demo).withName("dns-demo").get(),
        d -> d.getStatus() != null && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration())
            && Objects.equals(d.getStatus().getAvailableReplicas(), 1));
    for (String name : DNS_PROXIES) {
      Eventually.until("DaemonSet dotproxy-" + name + " rolled out", TIMEOUT,
          () -> client.apps().daemonSets().inNamespace(dns).withName("dotproxy-" + name).get(),
          d -> d.getStatus() != null && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration())
              && d.getStatus().getNumberReady() > 0 && d.getStatus().getNumberReady() == d.getStatus().getDesiredNumberScheduled());
    }
  }

  /** Everything whose writes are counted: the applied objects, what the operator made, CoreDNS's ConfigMap. */
  private List<HasMetadata> watched(KubernetesClient client) {
    List<HasMetadata> objects = new ArrayList<>(proxies(client));
    objects.addAll(client.configMaps().inNamespace(dns).list().getItems());
    objects.addAll(client.configMaps().inNamespace(demo).list().getItems());
    objects.addAll(client.apps().daemonSets().inNamespace(dns).list().getItems());
    objects.addAll(client.services().inNamespace(dns).list().getItems());
    objects.addAll(client.apps().deployments().inNamespace(demo).list().getItems());
    objects.add(client.configMaps().inNamespace("kube-system").withName("coredns").get());
    // kube-root-ca.crt is the root CA publisher's, not part of this test
    objects.removeIf(o -> "kube-root-ca.crt".equals(o.getMetadata().getName()));
    return objects;
  }

  private static Map<String, String> versions(List<HasMetadata> objects) {
    return objects.stream().collect(Collectors.toMap(
        o -> o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
        o -> o.getMetadata().getResourceVersion()));
  }

  private List<DnsOverTlsProxy> proxies(KubernetesClient client) {
    List<DnsOverTlsProxy> proxies = new ArrayList<>(client.resources(DnsOverTlsProxy.class).inNamespace(dns).list().getItems());
    proxies.addAll(client.resources(DnsOverTlsProxy.class).inNamespace(demo).list().getItems());
    return proxies;
  }

  private static DnsOverTlsProxy proxy(KubernetesClient client, String namespace, String name) {
    return client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).get();
  }

  /**
   * Every change to the watched objects from the moment each watch starts (at the resourceVersion of a
   * list, so nothing that existed before is reported), as "KIND namespace/name ACTION by MANAGER".
   */
  private static final class Writes implements AutoCloseable {

    private final List<Watch> watches = new ArrayList<>();
    private final List<String> writes = new CopyOnWriteArrayList<>();

    <T extends HasMetadata> void watch(
        FilterWatchListDeletable<T, ? extends KubernetesResourceList<T>, ? extends Resource<T>> objects, String kind) {
      String from = objects.list().getMetadata().getResourceVersion();
      watches.add(objects.watch(new ListOptionsBuilder().withResourceVersion(from).build(), new Watcher<T>() {
        @Override
        public void eventReceived(Action action, T object) {
          writes.add(kind + " " + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName() + " " + action
              + " by " + lastManager(object));
        }

        @Override
        public void onClose(WatcherException cause) {
          writes.add(kind + " watch closed: " + cause.getMessage());
        }
      }));
    }

    List<String> writes() {
      return List.copyOf(writes);
    }

    private static String lastManager(HasMetadata object) {
      return object.getMetadata().getManagedFields().stream()
          .max(Comparator.comparing(ManagedFieldsEntry::getTime, Comparator.nullsFirst(String::compareTo)))
          .map(f -> f.getManager() + " (" + f.getOperation() + (f.getSubresource() == null ? "" : " " + f.getSubresource()) + ")")
          .orElse("?");
    }

    @Override
    public void close() {
      watches.forEach(Watch::close);
    }
  }
}
