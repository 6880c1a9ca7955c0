package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.OperatorOnMockApi.NS;
import static io.dotproxy.operator.testing.OperatorOnMockApi.RESYNC;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.ApiPaths;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.FaultyApiServer;
import io.dotproxy.operator.testing.FaultyApiServer.Served;
import io.dotproxy.operator.testing.MockCluster;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy deleted while the operator is working on it. The operator's objects go with it through
 * their owner references (Kubernetes' garbage collector; the mock has none, so the references are
 * checked); the CoreDNS block, which cannot be owned, is removed by the finalizer, even when the
 * reconciliation that was running wrote it after the deletion began.
 */
class ProxyDeletionTest {

  static final String FLEET_IP = "10.96.0.53";

  final OperatorOnMockApi cluster = new OperatorOnMockApi();
  final FaultyApiServer api = cluster.api();
  final MockCluster k8s = cluster.cluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void deletedWhileItsCorefilePatchIsBeingWrittenLeavesTheCorefileAsItWas() {
    k8s.withCorefile(Corefiles.KUBEADM);
    cluster.start();
    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    DnsOverTlsProxy created = edge.current();
    // The deletion lands after the reconciliation decided to patch, before its write is served.
    api.beforeNext("PUT", ApiPaths.COREDNS, () -> api.deleteNow(ApiPaths.proxy(NS, "edge")));

    k8s.reportFleetReady(NS, "dotproxy-edge", 2);

    edge.awaitGone();
    assertThat(k8s.corefile()).isEqualTo(Corefiles.KUBEADM);
    List<Served> corefileWrites = api.served("PUT", ApiPaths.COREDNS);
    assertThat(corefileWrites).hasSize(2);
    assertThat(corefileWrites.get(0).body()).as("written after the deletion began").contains("# dotproxy:dns/edge begin");
    assertThat(corefileWrites.get(1).body()).as("the cleanup").doesNotContain("dotproxy");
    for (Class<? extends HasMetadata> type : List.of(ConfigMap.class, DaemonSet.class, Service.class)) {
      HasMetadata owned = edge.get(type, "dotproxy-edge");
      assertThat(owned.getMetadata().getOwnerReferences()).as(type.getSimpleName()).singleElement().satisfies(ref -> {
        assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(ref.getKind()).isEqualTo("DnsOverTlsProxy");
      });
    }
  }

  @Test
  void aProxyThatVanishesMidReconcileIsNotRetriedForeverAndTheOthersCarryOn() {
    cluster.start();
    cluster.client().resource(TestProxies.quad9(NS, "edge")).create();
    ProxyApi edge = cluster.proxy("edge");
    edge.await(DaemonSet.class, "dotproxy-edge");
    edge.awaitStatus(p -> hasCondition(p, "Progressing", "True"));
    String path = ApiPaths.proxy(NS, "edge");
    // Its finalizer removed by hand and deleted, while the reconciliation is about to write its status.
    api.beforeNext("PATCH", ApiPaths.proxyStatus(NS, "edge"), () -> {
      api.jsonPatchNow(path, "[{\"op\": \"remove\", \"path\": \"/metadata/finalizers\"}]");
      api.deleteNow(path);
    });

    edge.edit(p -> p.getSpec().setCache(cacheOf(100)));

    edge.awaitGone();
    Eventually.until("the status write to find it gone",
        () -> api.served("PATCH", ApiPaths.proxyStatus(NS, "edge")), writes -> writes.stream().anyMatch(w -> w.code() == 404));
    Eventually.sleep(RESYNC); // a retry that may be pending (the first comes after 0.5 s)
    int requestsAfter = api.servedUnder(path).size();
    Eventually.sleep(RESYNC.multipliedBy(2));
    assertThat(api.servedUnder(path)).as("requests for the vanished proxy").hasSize(requestsAfter);

    cluster.client().resource(TestProxies.quad9(NS, "next")).create();
    cluster.proxy("next").await(DaemonSet.class, "dotproxy-next");
    cluster.proxy("next").awaitStatus(p -> hasCondition(p, "Progressing", "True"));
    assertThat(cluster.health("/readyz")).isEqualTo(200);
  }

  @Test
  void aProxyWhoseSpecBecameUnreadableStillHasItsCorefileBlockRemovedOnDelete() {
    k8s.withCorefile(Corefiles.KUBEADM);
    cluster.start();
    ProxyApi edge = cluster.createCoreDnsPatchingProxy("edge", FLEET_IP);
    k8s.reportFleetReady(NS, "dotproxy-edge", 2);
    Eventually.until("the Corefile patch", k8s::corefile, c -> c.contains("forward . " + FLEET_IP));
    cluster.client().genericKubernetesResources(ResourceDefinitionContext.fromResourceType(DnsOverTlsProxy.class))
        .inNamespace(NS).withName("edge").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"mode\": \"Gateway\"}}");
    edge.awaitStatus(p -> hasCondition(p, "Degraded", "True"));
    assertThat(k8s.corefile()).as("the last good patch stays while the spec is invalid").contains("forward . " + FLEET_IP);

    edge.delete();

    edge.awaitGone();
    assertThat(k8s.corefile()).isEqualTo(Corefiles.KUBEADM);
  }

  private static CacheSpec cacheOf(int size) {
    var cache = new CacheSpec();
    cache.setSize(size);
    return cache;
  }
}
