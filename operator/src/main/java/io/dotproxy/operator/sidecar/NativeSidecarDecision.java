package io.dotproxy.operator.sidecar;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether {@code --native-sidecars auto} injects the proxy as a native sidecar, and why.
 *
 * <p>The API server accepting {@code restartPolicy: Always} on an init container is not enough: a kubelet
 * older than 1.29 ignores the field and waits for that init container to exit, which the proxy never
 * does, so the pod stays in Init. Control planes are upgraded before kubelets, so for a while a 1.29 API
 * server has 1.28 nodes. Native sidecars therefore need every Linux node's kubelet at 1.29 or newer too.
 * Other nodes never run the proxy ({@link PodInjector} refuses Windows pods).
 *
 * @param nativeSidecars inject as an init container with restartPolicy Always
 * @param reason for the log, e.g. "2 of 5 Linux nodes run a kubelet older than 1.29: ..."
 * @param capableLinuxNodes Linux nodes whose kubelet runs native sidecars
 * @param olderLinuxNodes Linux nodes whose kubelet is older than 1.29 or does not say which it is
 */
public record NativeSidecarDecision(boolean nativeSidecars, String reason, int capableLinuxNodes, int olderLinuxNodes) {

  static final String OS_LABEL = "kubernetes.io/os";

  /** How many of the older nodes the reason names. */
  static final int NAMED_NODES = 3;

  private static final String MINIMUM = "1." + ClusterCapabilities.NATIVE_SIDECARS_MINOR;

  /**
   * @param apiServer the API server's version
   * @param nodes every Node in the cluster (only name, os label and nodeInfo are read)
   */
  public static NativeSidecarDecision of(Version apiServer, Collection<Node> nodes) {
    List<Node> older = new ArrayList<>();
    int capable = 0;
    for (Node node : nodes) {
      if (!isLinux(node)) {
        continue;
      }
      if (kubelet(node).flatMap(Version::parseGitVersion).filter(ClusterCapabilities::runsNativeSidecars).isPresent()) {
        capable++;
      } else {
        older.add(node);
      }
    }
    if (!ClusterCapabilities.runsNativeSidecars(apiServer)) {
      return new NativeSidecarDecision(false, "the API server is " + apiServer + ", older than " + MINIMUM, capable, older.size());
    }
    if (!older.isEmpty()) {
      return new NativeSidecarDecision(false, older.size() + " of " + (capable + older.size())
          + " Linux nodes run a kubelet older than " + MINIMUM + ": " + named(older), capable, older.size());
    }
    if (capable == 0) {
      // Nothing can run the pods yet; the first node to register decides.
      return new NativeSidecarDecision(false, "no Linux node has registered yet", 0, 0);
    }
    return new NativeSidecarDecision(true, "the API server is " + apiServer + " and "
        + (capable == 1 ? "the kubelet of the only Linux node is " : "the kubelets of all " + capable + " Linux nodes are ")
        + MINIMUM + " or newer", capable, 0);
  }

  /** Before the first list of Nodes: the safe choice, which works with any kubelet. */
  public static NativeSidecarDecision notReadYet() {
    return new NativeSidecarDecision(false, "the nodes have not been read yet", 0, 0);
  }

  /** The operator may not list Nodes: the safe choice, which works with any kubelet. */
  public static NativeSidecarDecision nodesUnreadable(String why) {
    return new NativeSidecarDecision(false, "the nodes' kubelet versions cannot be read (" + why
        + "); grant list and watch on nodes, or set --native-sidecars true or false", 0, 0);
  }

  /**
   * Linux by its os label, else by what its kubelet reports; a node that says neither counts as Linux,
   * because wrongly counting it can only make the choice safer.
   */
  static boolean isLinux(Node node) {
    Map<String, String> labels = node.getMetadata().getLabels();
    String os = labels == null ? null : labels.get(OS_LABEL);
    if (os == null && node.getStatus() != null && node.getStatus().getNodeInfo() != null) {
      os = node.getStatus().getNodeInfo().getOperatingSystem();
    }
    return os == null || os.isBlank() || "linux".equalsIgnoreCase(os.strip());
  }

  private static Optional<String> kubelet(Node node) {
    return Optional.ofNullable(node.getStatus()).map(s -> s.getNodeInfo()).map(NodeSystemInfo::getKubeletVersion);
  }

  private static String named(List<Node> nodes) {
    List<String> names = nodes.stream()
        .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
        .limit(NAMED_NODES)
        .map(n -> n.getMetadata().getName() + " (" + kubelet(n).filter(v -> !v.isBlank()).orElse("version not reported") + ")")
        .toList();
    return String.join(", ", names) + (nodes.size() > NAMED_NODES ? " and " + (nodes.size() - NAMED_NODES) + " more" : "");
  }
}
