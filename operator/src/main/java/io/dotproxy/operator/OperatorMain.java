package io.dotproxy.operator;

import io.dotproxy.operator.app.DotproxyOperator;
import io.dotproxy.operator.app.InvalidSettingException;
import io.dotproxy.operator.app.OperatorLogging;
import io.dotproxy.operator.app.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;

/**
 * Entry point of operator.jar. The Kubernetes connection comes from the kubeconfig ($KUBECONFIG or
 * ~/.kube/config) or, inside a pod, from its service account.
 */
public final class OperatorMain {

  private OperatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    Running running;
    try {
      OperatorSettings settings = OperatorSettings.parse(args, System.getenv());
      OperatorLogging.apply(settings.logging());
      running = start(settings);
    } catch (InvalidSettingException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "dotproxy-shutdown"));
    running.operator().awaitStop();
  }

  /** Starts the operator with a client configured the standard way; closing stops both. */
  public static Running start(String[] args, Map<String, String> env) {
    return start(OperatorSettings.parse(args, env));
  }

  private static Running start(OperatorSettings settings) {
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      return new Running(DotproxyOperator.start(settings, client), client);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** A started operator and the client it owns. */
  public record Running(DotproxyOperator operator, KubernetesClient client) implements AutoCloseable {
    @Override
    public void close() {
      try {
        operator.close();
      } finally {
        client.close();
      }
    }
  }
}
