package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.OperatorOnMockApi.NS;
import static io.dotproxy.operator.testing.OperatorOnMockApi.RESYNC;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.testing.ApiPaths;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.FaultyApiServer;
import io.dotproxy.operator.testing.FaultyApiServer.Served;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.OperatorOnMockApi;
import io.dotproxy.operator.testing.ProxyApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Someone else writes the coredns ConfigMap while dotproxy's block is in it (kubeadm upgrade, an
 * administrator): the block comes back on top of whatever they wrote, their changes are kept, and
 * deleting the proxy leaves exactly their text. (A tool that rewrites it again and again is recognised
 * by its marks and refused instead: CorefileManagerTest, CoreDnsOwnershipIT.)
 */
class CorefileRewriteTest {

  static final String FLEET_IP = "10.96.0.53";
  static final String BEGIN = "# dotproxy:dns/edge begin";

  final OperatorOnMockApi cluster = new OperatorOnMockApi();
  final FaultyApiServer api = cluster.api();
  final MockCluster k8s = cluster.cluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void anUpgradeThatWritesANewDefaultCorefileIsPatchedAgainAndDeleteLeavesItByteForByte() {
    ProxyApi edge = patched();

    k8s.replaceCorefile(Corefiles.KUBEADM_UPGRADED);

    String repatched = Eventually.until("the block on the upgraded Corefile", k8s::corefile, c -> c.contains(BEGIN));
    assertThat(repatched).contains("forward . " + FLEET_IP, "disable success cluster.local");
    assertThat(repatched.split(BEGIN, -1)).hasSize(2);
    edge.delete();
    Eventually.until("the upgraded Corefile without the block", k8s::corefile, Corefiles.KUBEADM_UPGRADED::equals);
    edge.awaitGone();
  }

  @Test
  void anEditElsewhereInTheCorefileIsLeftAloneAndKeptOnDelete() {
    ProxyApi edge = patched();
    String edited = k8s.corefile().replace("    cache 30\n", "    cache 60\n") + Corefiles.CORP_ZONE;
    k8s.replaceCorefile(edited);
    int writesAfterEdit = api.served("PUT", ApiPaths.COREDNS).size();

    Eventually.sleep(RESYNC.multipliedBy(3)); // periodic reconciliations see the edit

    assertThat(k8s.corefile()).isEqualTo(edited);
    assertThat(api.served("PUT", ApiPaths.COREDNS)).hasSize(writesAfterEdit);
    edge.delete();
    String expected = Corefiles.KUBEADM.replace("    cache 30\n", "    cache 60\n") + Corefiles.CORP_ZONE;
    Eventually.until("the edited Corefile without the block", k8s::corefile, expected::equals);
  }

  @Test
  void aRewriteBetweenTheOperatorsReadAndItsWriteIsAConflictAndThePatchLandsOnTheNewText() {
    k8s.withCorefile(Corefiles.KUBEADM);
    cluster.start();
    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PENDING);
    String rewritten = Corefiles.KUBEADM + Corefiles.CORP_ZONE;
    String rewrite = Serialization.asJson(
        withCorefile(cluster.client().configMaps().inNamespace("kube-system").withName("coredns").get(), rewritten));
    // Another tool's write lands just before the operator's, whose resourceVersion is then stale.
    api.beforeNext("PUT", ApiPaths.COREDNS, () -> api.replaceNow(ApiPaths.COREDNS, rewrite));

    k8s.reportFleetReady(NS, "dotproxy-edge", 2);

    String patched = Eventually.until("the block on the rewritten Corefile", k8s::corefile, c -> c.contains(BEGIN));
    assertThat(patched).contains("forward . " + FLEET_IP).endsWith(Corefiles.CORP_ZONE);
    assertThat(api.served("PUT", ApiPaths.COREDNS)).extracting(Served::code).containsExactly(409, 200);
    edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));
    assertThat(api.served("PATCH", ApiPaths.proxyStatus(NS, "edge"))).extracting(Served::body)
        .noneMatch(body -> body.contains("ReconcileError"));
    edge.delete();
    Eventually.until("the rewritten Corefile without the block", k8s::corefile, rewritten::equals);
  }

  /** A proxy whose block is in the kubeadm Corefile. */
  private ProxyApi patched() {
    k8s.withCorefile(Corefiles.KUBEADM);
    cluster.start();
    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    k8s.reportFleetReady(NS, "dotproxy-edge", 2);
    Eventually.until("the Corefile patch", k8s::corefile, c -> c.contains("forward . " + FLEET_IP));
    return edge;
  }

  private static ConfigMap withCorefile(ConfigMap coredns, String corefile) {
    coredns.getData().put("Corefile", corefile);
    coredns.getMetadata().setResourceVersion(null);
    return coredns;
  }
}
