package io.dotproxy.operator;

import io.dotproxy.operator.app.DotproxyOperator;
import io.dotproxy.operator.app.InvalidSettingException;
import io.dotproxy.operator.app.OperatorLogging;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.uninstall.Uninstall;
import io.dotproxy.operator.uninstall.UninstallSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * Entry point of operator.jar. The Kubernetes connection comes from the kubeconfig ($KUBECONFIG or
 * ~/.kube/config) or, inside a pod, from its service account.
 *
 * <p>{@code operator.jar uninstall [--deployment NAME] [FLAGS]} runs {@link Uninstall} once instead (the
 * chart's pre-delete hook): exit code 0 when done, 1 when a step failed, 2 for an invalid setting.
 */
public final class OperatorMain {

  private OperatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals(UninstallSettings.COMMAND)) {
      System.exit(uninstall(Arrays.copyOfRange(args, 1, args.length), System.getenv()));
      return;
    }
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

  /** Runs {@link Uninstall}; the exit code. */
  public static int uninstall(String[] args, Map<String, String> env) {
    UninstallSettings settings;
    try {
      settings = UninstallSettings.parse(args, env);
    } catch (InvalidSettingException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      new Uninstall(client, settings, Clock.systemUTC(), Duration.ofSeconds(1)).run();
      return 0;
    } catch (RuntimeException e) {
      System.err.println("uninstall failed: " + e.getMessage());
      return 1;
    }
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
