package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.OperatorOnMockApi.NS;
import static io.dotproxy.operator.testing.OperatorOnMockApi.RESYNC;
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
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the operator reads NodeLocal DNSCache's ConfigMap: by name, and a read it may not make (an RBAC
 * older than the check) counts as absent rather than stopping the patch.
 */
class NodeLocalDnsReadTest {

  static final String NODE_LOCAL_DNS = ApiPaths.configMap("kube-system", "node-local-dns");
  static final String FLEET_IP = "10.96.0.53";

  final OperatorOnMockApi cluster = new OperatorOnMockApi();
  final MockCluster k8s = cluster.cluster().withCorefile(Corefiles.KUBEADM);
  final FaultyApiServer api = cluster.api();

  @AfterEach
  void stopTheOperatorAndTheServer() {
    cluster.close();
  }

  @Test
  void aForbiddenReadCountsAsAbsentAndThePatchGoesAhead() {
    withNodeLocalDns();
    api.failNext("GET", NODE_LOCAL_DNS, 403, Integer.MAX_VALUE);
    cluster.start();

    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    k8s.reportFleetReady(NS, "dotproxy-edge", 2);

    Eventually.until("the Corefile patch", k8s::corefile, c -> c.contains("forward . " + FLEET_IP));
    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED);
    assertThat(api.served("GET", NODE_LOCAL_DNS)).isNotEmpty().extracting(Served::code).containsOnly(403);
  }

  @Test
  void theStockNodeLocalDnsCacheIsRefusedAndTheCorefileNeverWritten() {
    withNodeLocalDns();
    cluster.start();

    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    k8s.reportFleetReady(NS, "dotproxy-edge", 2);

    edge.awaitStatus(p -> p.getStatus().getCoreDNS().getState() == CoreDnsState.REFUSED
        && p.getStatus().getReadyProxies() != null && p.getStatus().getReadyProxies() == 2);
    Eventually.sleep(RESYNC.multipliedBy(3));
    assertThat(api.served("PUT", ApiPaths.COREDNS)).isEmpty();
    assertThat(k8s.corefile()).isEqualTo(Corefiles.KUBEADM);
    assertThat(api.served("GET", NODE_LOCAL_DNS)).extracting(Served::code).containsOnly(200);
  }

  private void withNodeLocalDns() {
    cluster.client().resource(new ConfigMapBuilder()
            .withNewMetadata().withNamespace("kube-system").withName("node-local-dns").endMetadata()
            .addToData("Corefile", Corefiles.NODE_LOCAL_DNS)
            .build())
        .create();
  }
}
