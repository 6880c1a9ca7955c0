package io.dotproxy.operator.cluster;

import io.dotproxy.operator.testing.TestCertificates;
import io.dotproxy.operator.testing.TestSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a test class that runs the operator on the shared control plane starts with: the CRD and kubeadm's
 * DNS objects, namespaces of its own, and an operator (leader election off) that reconciles those
 * namespaces only. Its webhook runs (Sidecar-mode CRs need it) with certificates as cert-manager would
 * mount them; no MutatingWebhookConfiguration points at it. Closing it deletes what it left there and stops the operator.
 */
final class TestOperator implements AutoCloseable {

  private final ControlPlane plane;
  private final List<String> namespaces;
  private final OperatorInProcess operator;

  private TestOperator(ControlPlane plane, List<String> namespaces, OperatorInProcess operator) {
    this.plane = plane;
    this.namespaces = namespaces;
    this.operator = operator;
  }

  /**
   * @param resetCorefile whether CoreDNS's Corefile is set back to kubeadm's first
   * @param prefixes one new namespace for each
   */
  static TestOperator start(ControlPlane plane, Duration resync, boolean resetCorefile, String... prefixes) {
    ClusterFixtures.installCrd(plane);
    ClusterFixtures.installKubeadmDns(plane, resetCorefile);
    List<String> namespaces = new ArrayList<>();
    for (String prefix : prefixes) {
      namespaces.add(plane.newNamespace(prefix));
    }
    Path certs = TestCertificates.writeServing(plane.workDir().resolve("webhook-tls-" + namespaces.get(0)),
        List.of("dotproxy-operator-webhook.dotproxy-system.svc"));
    OperatorInProcess operator = OperatorInProcess.start(plane,
        TestSettings.withExternalWebhook(TestSettings.PROXY_IMAGE, resync, certs, Set.copyOf(namespaces)), namespaces.get(0));
    return new TestOperator(plane, List.copyOf(namespaces), operator);
  }

  /** The namespace made for {@code prefixes[index]}. */
  String namespace(int index) {
    return namespaces.get(index);
  }

  OperatorInProcess operator() {
    return operator;
  }

  /**
   * Deletes the DnsOverTlsProxies left in the namespaces while the operator still runs (they carry its
   * finalizer, which nobody would remove later), then stops it and deletes the namespaces.
   */
  @Override
  public void close() {
    try {
      namespaces.forEach(namespace -> ClusterFixtures.deleteProxies(plane, namespace));
    } finally {
      operator.close();
      List<String> command = new ArrayList<>(List.of("delete", "namespace", "--wait=false"));
      command.addAll(namespaces);
      plane.kubectl(command.toArray(String[]::new));
    }
  }
}
