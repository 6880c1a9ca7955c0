package io.dotproxy.operator.sidecar;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --native-sidecars auto}: watches the Nodes' kubelet versions and decides again whenever they
 * change (upgrades, autoscaling), logging each change of the decision once.
 *
 * <p>An informer rather than a periodic list: a node that joins with an old kubelet must turn native
 * sidecars off before pods are scheduled to it, not a period later; and after the first list, a watch
 * costs the API server far less than listing every node again. Only the name, the os label and the
 * kubelet's version and OS are kept of each Node ({@link TrimmingItemStore}); a full Node, with its
 * image list, is tens of kilobytes.
 *
 * <p>When Nodes cannot be read (403) the proxy is injected as a plain container, which works with any
 * kubelet, and the informer keeps trying in case the permission is granted later.
 *
 * <p>Gauges: {@code dotproxy_operator_linux_nodes{native_sidecars="true"|"false"}}, how many Linux nodes'
 * kubelets run native sidecars and how many do not.
 */
public final class KubeletVersionWatch implements Supplier<ClusterCapabilities>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KubeletVersionWatch.class);

  static final String NODES_METRIC = "dotproxy.operator.linux.nodes";

  private final Version apiServer;
  private final ClusterCapabilities limits;
  private final SharedIndexInformer<Node> informer;
  private volatile boolean forbidden;
  private volatile boolean settled;
  private final AtomicBoolean decisionQueued = new AtomicBoolean();
  private volatile NativeSidecarDecision decision = NativeSidecarDecision.notReadYet();
  private volatile ClusterCapabilities current;

  private KubeletVersionWatch(Version apiServer, ClusterCapabilities limits, SharedIndexInformer<Node> informer) {
    this.apiServer = apiServer;
    this.limits = limits;
    this.informer = informer;
    this.current = limits.withNativeSidecars(false);
  }

  /**
   * Starts watching without waiting for the first list; until then (and while Nodes cannot be read)
   * the proxy is injected as a plain container.
   *
   * @param limits the API server's DNS limits
   */
  public static KubeletVersionWatch start(KubernetesClient client, Version apiServer, ClusterCapabilities limits,
      MeterRegistry registry) {
    SharedIndexInformer<Node> informer = client.nodes().runnableInformer(0);
    informer.itemStore(new TrimmingItemStore<>(KubeletVersionWatch::trim));
    KubeletVersionWatch watch = new KubeletVersionWatch(apiServer, limits, informer);
    for (boolean capable : new boolean[] {true, false}) {
      Gauge.builder(NODES_METRIC, watch, w -> capable ? w.decision.capableLinuxNodes() : w.decision.olderLinuxNodes())
          .description("Linux nodes whose kubelet runs native sidecars (1.29 or newer), or does not")
          .tag("native_sidecars", String.valueOf(capable))
          .strongReference(true)
          .register(registry);
    }
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node node) {
        watch.nodesChanged();
      }

      @Override
      public void onUpdate(Node before, Node node) {
        // Most updates are the kubelet's status reports, with nothing the decision reads changed; a
        // relist after a 403 brings unchanged nodes too.
        if (watch.forbidden || !inputs(before).equals(inputs(node))) {
          watch.nodesChanged();
        }
      }

      @Override
      public void onDelete(Node node, boolean deletedFinalStateUnknown) {
        watch.nodesChanged();
      }
    });
    informer.exceptionHandler((started, t) -> {
      watch.failed(t);
      return true;
    });
    // Also when the first list is empty, which calls no handler.
    informer.start().thenRun(watch::nodesChanged);
    return watch;
  }

  /** The capabilities the next pod is injected with. */
  @Override
  public ClusterCapabilities get() {
    return current;
  }

  /** Whether the first decision from the nodes (or from their being unreadable) has been made. */
  public boolean hasDecided() {
    return settled;
  }

  public NativeSidecarDecision decision() {
    return decision;
  }

  /**
   * Decides again from all nodes, once for a burst of events: the first list of a large cluster calls
   * the handler once per node, and deciding is a pass over every node.
   */
  private void nodesChanged() {
    if (decisionQueued.compareAndSet(false, true)) {
      CompletableFuture.runAsync(() -> {
        decisionQueued.set(false);
        nodesRead();
      }).exceptionally(t -> {
        log.error("cannot decide on native sidecars from the nodes; the previous choice stays", t);
        return null;
      });
    }
  }

  private void nodesRead() {
    boolean wasForbidden = forbidden;
    forbidden = false;
    if (informer.hasSynced()) {
      decide(NativeSidecarDecision.of(apiServer, informer.getStore().list()), wasForbidden);
    }
  }

  private void failed(Throwable t) {
    Optional<KubernetesClientException> refused = forbidden(t);
    if (refused.isPresent()) {
      if (!forbidden) {
        forbidden = true;
        KubernetesClientException e = refused.get();
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        decide(NativeSidecarDecision.nodesUnreadable("403: " + message), true);
      }
    } else {
      log.warn("watching the nodes' kubelet versions failed, retrying: {}", t.toString());
    }
  }

  /**
   * @param readabilityChanged the nodes just became unreadable or readable again, which the log says
   *     even when the choice stays the same
   */
  private synchronized void decide(NativeSidecarDecision next, boolean readabilityChanged) {
    NativeSidecarDecision previous = decision;
    boolean first = !settled;
    decision = next;
    current = limits.withNativeSidecars(next.nativeSidecars());
    settled = true;
    if (first || readabilityChanged || previous.nativeSidecars() != next.nativeSidecars()) {
      String as = next.nativeSidecars() ? "native sidecar (init container with restartPolicy Always)" : "plain container";
      if (forbidden) {
        log.warn("--native-sidecars auto: the proxy is injected as a {}: {}", as, next.reason());
      } else {
        log.info("--native-sidecars auto: the proxy is injected as a {}: {}", as, next.reason());
      }
    }
  }

  private static Optional<KubernetesClientException> forbidden(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException e && e.getCode() == 403) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** What the decision reads of a Node, without the resourceVersion that every update changes. */
  private static Node inputs(Node node) {
    Node trimmed = trim(node);
    trimmed.getMetadata().setResourceVersion(null);
    return trimmed;
  }

  /** What {@link NativeSidecarDecision} reads of a Node. */
  static Node trim(Node node) {
    Map<String, String> labels = new HashMap<>();
    if (node.getMetadata().getLabels() != null && node.getMetadata().getLabels().containsKey(NativeSidecarDecision.OS_LABEL)) {
      labels.put(NativeSidecarDecision.OS_LABEL, node.getMetadata().getLabels().get(NativeSidecarDecision.OS_LABEL));
    }
    NodeBuilder trimmed = new NodeBuilder().withNewMetadata()
        .withName(node.getMetadata().getName())
        .withResourceVersion(node.getMetadata().getResourceVersion())
        .withLabels(labels)
        .endMetadata();
    NodeSystemInfo info = node.getStatus() == null ? null : node.getStatus().getNodeInfo();
    if (info != null) {
      trimmed.withNewStatus().withNewNodeInfo()
          .withKubeletVersion(info.getKubeletVersion())
          .withOperatingSystem(info.getOperatingSystem())
          .endNodeInfo().endStatus();
    }
    return trimmed.build();
  }

  @Override
  public void close() {
    informer.close();
  }
}
