package io.dotproxy.operator.cluster;

import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CoreDNS patch where it would not last or not take effect, on a real API server: a coredns
 * ConfigMap that another tool keeps in step (its marks in the metadata), and NodeLocal DNSCache. The
 * shared cluster's coredns ConfigMap is put back as kubeadm left it, and node-local-dns removed, at the
 * end, since other classes use them.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CoreDnsOwnershipIT {

  /** The operator's periodic reconciliation, which is how it finds NodeLocal DNSCache. */
  static final Duration RESYNC = Duration.ofSeconds(2);
  /** Several periodic reconciliations: long enough for a write the operator should not make to show. */
  static final Duration QUIET = RESYNC.multipliedBy(4);
  static final String ADDON_MODE = "addonmanager.kubernetes.io/mode";
  static final String ALLOW = "dotproxy.io/patch";

  TestOperator operator;
  KubernetesClient client;
  String ns;

  @BeforeAll
  void startOperator(ControlPlane plane) {
    client = plane.admin();
    operator = TestOperator.start(plane, RESYNC, true, "coredns-owner");
    ns = operator.namespace(0);
  }

  /** Proxies deleted through the operator first (its close), so that no block of theirs stays in the Corefile. */
  @AfterAll
  void restoreTheSharedCluster(ControlPlane plane) {
    try {
      if (operator != null) {
        operator.close();
      }
    } finally {
      nodeLocalDns().delete();
      coredns().edit(c -> new ConfigMapBuilder(c)
          .editMetadata().removeFromLabels(ADDON_MODE).removeFromAnnotations(ALLOW).endMetadata().build());
      ClusterFixtures.installKubeadmDns(plane, true);
    }
  }

  @Test
  void aManagedCorefileAndNodeLocalDnsCacheAreRefusedWithoutAWriteUntilTheMarkIsGoneOrTheAdminAllowsIt(ControlPlane plane) {
    String original = ClusterFixtures.corefile(plane);
    editCoredns(c -> new ConfigMapBuilder(c).editMetadata().addToLabels(ADDON_MODE, "Reconcile").endMetadata().build());
    String managedVersion = coredns().get().getMetadata().getResourceVersion();
    DnsOverTlsProxy asked = TestProxies.quad9(ns, "edge");
    asked.getSpec().setCoreDNS(new CoreDnsSpec(true));
    client.resource(asked).create();
    ProxyApi edge = new ProxyApi(client, ns, "edge", DaemonSetModeIT.WAIT);

    // Refused as soon as it is seen, and still refused once the fleet is ready: the patch would only
    // start a fight with the addon manager.
    DnsOverTlsProxy refused = edge.awaitStatus(p -> hasCondition(p, "Degraded", "True")
        && p.getStatus().getReadyProxies() != null && p.getStatus().getReadyProxies() > 0
        && p.getStatus().getReadyProxies().equals(p.getStatus().getDesiredProxies()));
    assertThat(refused.getStatus().getCoreDNS().getState()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(condition(refused, "Degraded").getReason()).isEqualTo("CoreDNSPatchRefused");
    assertThat(condition(refused, "Ready").getReason()).isEqualTo("CoreDNSPatchRefused");
    assertThat(refused.getStatus().getCoreDNS().getMessage())
        .startsWith("ConfigMap kube-system/coredns is managed by the Kubernetes addon manager")
        .contains("label addonmanager.kubernetes.io/mode=Reconcile", "coredns-custom", "dotproxy.io/patch=allow");
    Eventually.sleep(QUIET);
    assertThat(coredns().get().getMetadata().getResourceVersion()).as("the coredns ConfigMap, never written")
        .isEqualTo(managedVersion);

    // Without the mark the patch goes ahead.
    editCoredns(c -> new ConfigMapBuilder(c).editMetadata().removeFromLabels(ADDON_MODE).endMetadata().build());
    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED && hasCondition(p, "Ready", "True"));
    String patched = ClusterFixtures.corefile(plane);
    assertThat(patched).contains("# dotproxy:" + ns + "/edge begin");

    // NodeLocal DNSCache's stock Corefile sends names outside the cluster past CoreDNS. It is read, not
    // watched: a periodic reconciliation finds it. The block in place stays, and nothing is written.
    client.resource(new ConfigMapBuilder()
            .withNewMetadata().withNamespace("kube-system").withName("node-local-dns").endMetadata()
            .addToData("Corefile", Corefiles.NODE_LOCAL_DNS)
            .build())
        .create();
    DnsOverTlsProxy bypassed = edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.REFUSED);
    assertThat(condition(bypassed, "Degraded").getReason()).isEqualTo("CoreDNSPatchRefused");
    assertThat(bypassed.getStatus().getCoreDNS().getMessage())
        .startsWith("NodeLocal DNSCache (ConfigMap kube-system/node-local-dns) answers names outside the cluster itself")
        .contains("forward . __PILLAR__UPSTREAM__SERVERS__", "this proxy's block, already in the Corefile, is removed");
    String patchedVersion = coredns().get().getMetadata().getResourceVersion();
    Eventually.sleep(QUIET);
    assertThat(coredns().get().getMetadata().getResourceVersion()).isEqualTo(patchedVersion);
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(patched);

    // An admin who has made sure the patch takes effect says so on the coredns ConfigMap.
    editCoredns(c -> new ConfigMapBuilder(c).editMetadata().addToAnnotations(ALLOW, "allow").endMetadata().build());
    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED && hasCondition(p, "Degraded", "False"));

    edge.delete();
    edge.awaitGone();
    assertThat(ClusterFixtures.corefile(plane)).as("the block removed on delete").isEqualTo(original);
  }

  private Resource<ConfigMap> coredns() {
    return client.configMaps().inNamespace("kube-system").withName("coredns");
  }

  private Resource<ConfigMap> nodeLocalDns() {
    return client.configMaps().inNamespace("kube-system").withName("node-local-dns");
  }

  private void editCoredns(UnaryOperator<ConfigMap> change) {
    coredns().edit(change);
  }
}
