package io.dotproxy.operator.cluster;

import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension: one real control plane (and its fake kubelet) for the whole test run, started by the
 * first class that asks for it and stopped when the run ends. Test classes share it, so each works in
 * namespaces of its own ({@link ControlPlane#newNamespace}) and cleans up cluster-scoped objects.
 *
 * <p>The cluster starts with four nodes: {@link #LINUX_NODES} (Linux, Ready), {@link #TAINTED_NODE}
 * (Linux, tainted NoSchedule) and {@link #WINDOWS_NODE} ({@code kubernetes.io/os: windows}).
 *
 * <p>Without the binaries ({@link ControlPlaneBinaries}) the tests are skipped with a message that says
 * how to get them, or, when {@code CI=true}, fail.
 */
public final class RealCluster implements BeforeAllCallback, ParameterResolver {

  public static final List<String> LINUX_NODES = List.of("node-a", "node-b");
  public static final String TAINTED_NODE = "node-tainted";
  public static final String WINDOWS_NODE = "node-windows";

  private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(RealCluster.class);

  /** Closes the control plane when the root context (the whole run) ends. */
  private record Running(ControlPlane plane, FakeKubelet kubelet) implements AutoCloseable {
    @Override
    public void close() {
      try {
        kubelet.close();
      } finally {
        plane.close();
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    running(context);
  }

  private static Running running(ExtensionContext context) {
    return context.getRoot().getStore(STORE).getOrComputeIfAbsent(Running.class, k -> start(), Running.class);
  }

  private static Running start() {
    Path moduleTarget = Path.of("target").toAbsolutePath();
    ControlPlaneBinaries.Lookup lookup = ControlPlaneBinaries.find(
        System::getProperty, System.getenv(), repoRoot(), moduleTarget.resolve("k8s"));
    if (lookup.binaries().isEmpty()) {
      String message = "real control plane unavailable: " + lookup.problem();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(message + " (CI=true: these tests must run)");
      }
      System.err.println("SKIPPED: " + message);
      Assumptions.abort(message);
    }
    ControlPlane plane = ControlPlane.start(lookup.binaries().get(),
        moduleTarget.resolve("control-plane-" + ProcessHandle.current().pid()));
    FakeKubelet kubelet = new FakeKubelet(plane.admin());
    LINUX_NODES.forEach(kubelet::addLinuxNode);
    kubelet.addNode(TAINTED_NODE, Map.of("dedicated", "special"),
        List.of(new TaintBuilder().withKey("dedicated").withValue("special").withEffect("NoSchedule").build()));
    kubelet.addNode(WINDOWS_NODE, Map.of("kubernetes.io/os", "windows"), List.of());
    return new Running(plane, kubelet);
  }

  static Path repoRoot() {
    String configured = System.getProperty("dotproxy.repo.root");
    return (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == ControlPlane.class || type == FakeKubelet.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Running running = running(context);
    return parameter.getParameter().getType() == ControlPlane.class ? running.plane() : running.kubelet();
  }
}
