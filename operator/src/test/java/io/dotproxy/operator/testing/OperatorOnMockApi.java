package io.dotproxy.operator.testing;

import io.dotproxy.operator.app.DotproxyOperator;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.ProxyNames;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * The operator (webhook off) against a {@link FaultyApiServer} that looks like a cluster with the CRD,
 * the namespace {@link #NS} and kube-system. Periodic reconciliation runs every {@link #RESYNC}, so a
 * test sees quickly whether a reconciliation that has nothing to do still writes something.
 */
public final class OperatorOnMockApi implements AutoCloseable {

  public static final String NS = "dns";
  public static final Duration RESYNC = Duration.ofSeconds(1);

  private final FaultyApiServer api = new FaultyApiServer();
  // A current Kubernetes: the operator chooses what it writes (e.g. the DaemonSet's rollout) by version.
  private final MockCluster cluster = new MockCluster(api.server(), api.client())
      .withCrd().withNamespaces(NS, "kube-system").withKubernetesVersion("1", "31");
  private DotproxyOperator operator;

  public OperatorOnMockApi start() {
    operator = DotproxyOperator.start(TestSettings.withoutWebhook(TestSettings.PROXY_IMAGE, RESYNC), api.client());
    return this;
  }

  public FaultyApiServer api() {
    return api;
  }

  public KubernetesClient client() {
    return api.client();
  }

  public MockCluster cluster() {
    return cluster;
  }

  public DotproxyOperator operator() {
    return operator;
  }

  /**
   * Creates a DaemonSet-mode proxy that wants the CoreDNS patch and gives its Service {@code clusterIp};
   * the patch is written once the test reports the fleet ready.
   */
  public ProxyApi createCoreDnsPatchingProxy(String name, String clusterIp) {
    DnsOverTlsProxy proxy = TestProxies.quad9(NS, name);
    proxy.getSpec().setCoreDNS(new CoreDnsSpec(true));
    api.client().resource(proxy).create();
    cluster.assignClusterIp(NS, ProxyNames.of(proxy), clusterIp);
    return proxy(name);
  }

  /** The status code of the operator's health endpoint {@code path}, e.g. /readyz. */
  public int health(String path) {
    return OperatorHttp.status(operator.httpPort(), path);
  }

  /** The user's view of the proxy {@code name} in {@link #NS}. */
  public ProxyApi proxy(String name) {
    return new ProxyApi(api.client(), NS, name);
  }

  @Override
  public void close() {
    try {
      if (operator != null) {
        operator.close();
      }
    } finally {
      api.close();
    }
  }
}
