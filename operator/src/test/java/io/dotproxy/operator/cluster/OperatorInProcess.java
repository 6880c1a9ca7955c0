package io.dotproxy.operator.cluster;

import io.dotproxy.operator.app.DotproxyOperator;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.testing.OperatorHttp;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The operator in the test's JVM against the real control plane, with a client of its own (the
 * administrator's unless a token is given). Leader election must be off in settings used here: losing
 * the Lease exits the process.
 */
public final class OperatorInProcess implements AutoCloseable {

  private final KubernetesClient client;
  private final DotproxyOperator operator;

  private OperatorInProcess(KubernetesClient client, DotproxyOperator operator) {
    this.client = client;
    this.operator = operator;
  }

  /** As the cluster administrator. */
  public static OperatorInProcess start(ControlPlane plane, OperatorSettings settings, String namespace) {
    return start(plane, settings, plane.newAdminClient(namespace));
  }

  public static OperatorInProcess start(ControlPlane plane, OperatorSettings settings, KubernetesClient client) {
    if (settings.leaderElection()) {
      throw new IllegalArgumentException("in-process operators run without leader election; use the jar for that");
    }
    try {
      return new OperatorInProcess(client, DotproxyOperator.start(settings, client));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  public DotproxyOperator operator() {
    return operator;
  }

  public KubernetesClient client() {
    return client;
  }

  /** The status code of the operator's health endpoint {@code path}, e.g. /readyz. */
  public int health(String path) {
    return OperatorHttp.status(operator.httpPort(), path);
  }

  /** The operator's /metrics text. */
  public String metrics() {
    return OperatorHttp.body(operator.httpPort(), "/metrics");
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      client.close();
    }
  }
}
