package io.dotproxy.operator.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet of every node it registers: keeps the Nodes Ready, reports the pods bound to them
 * Running and Ready (pod IP, host IP, a status per container), and completes their graceful deletion.
 * On demand it makes a pod unready, fails it, or leaves new pods Pending.
 *
 * <p>Nothing runs: images, probes and the DNS inside pods are not exercised.
 */
public final class FakeKubelet implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FakeKubelet.class);

  static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";

  private final KubernetesClient client;
  /** What the kubelet reports in status.nodeInfo: the real control plane's version unless told. */
  static final String KUBELET_VERSION = "v1.20.2";

  private final Map<String, String> nodeAddresses = new ConcurrentHashMap<>();
  private final Map<String, String> kubeletVersions = new ConcurrentHashMap<>();
  private final Set<String> heldBack = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nodeCounter = new AtomicInteger();
  private final AtomicInteger podCounter = new AtomicInteger();
  private volatile Predicate<Pod> startsReady = pod -> true;
  private final SharedIndexInformer<Pod> pods;

  public FakeKubelet(KubernetesClient client) {
    this.client = client;
    this.pods = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        sync(pod);
      }

      @Override
      public void onUpdate(Pod before, Pod pod) {
        sync(pod);
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {}
    });
  }

  /** A Ready Linux node. */
  public String addLinuxNode(String name) {
    return addNode(name, Map.of("kubernetes.io/os", "linux"), List.of());
  }

  /** A Ready node with these extra labels and taints ({@code kubernetes.io/os} defaults to linux). */
  public String addNode(String name, Map<String, String> labels, List<Taint> taints) {
    return addNode(name, labels, taints, KUBELET_VERSION);
  }

  /** The same, its kubelet reporting {@code kubeletVersion}, e.g. a newer one during an upgrade. */
  public String addNode(String name, Map<String, String> labels, List<Taint> taints, String kubeletVersion) {
    kubeletVersions.put(name, kubeletVersion);
    int n = nodeCounter.incrementAndGet();
    String address = "10.240.0." + n;
    Node node = new NodeBuilder()
        .withNewMetadata().withName(name)
        .addToLabels("kubernetes.io/hostname", name)
        .addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubernetes.io/arch", "amd64")
        .addToLabels(labels)
        .endMetadata()
        .withNewSpec().withTaints(taints).endSpec()
        .build();
    client.resource(node).create();
    nodeAddresses.put(name, address);
    setNodeReady(name, true);
    return name;
  }

  /** Reports the node Ready or NotReady, as its kubelet's heartbeat would. */
  public void setNodeReady(String name, boolean ready) {
    String now = Instant.now().toString();
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(nodeCondition("Ready", ready, ready ? "KubeletReady" : "KubeletNotReady", now));
    for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
      conditions.add(nodeCondition(pressure, false, "KubeletHasSufficient" + pressure.replace("Pressure", ""), now));
    }
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"), "pods", new Quantity("110"));
    retryingConflicts(() -> client.nodes().withName(name).editStatus(node -> new NodeBuilder(node).withNewStatus()
        .withConditions(conditions)
        .withCapacity(capacity)
        .withAllocatable(capacity)
        .addNewAddress().withType("InternalIP").withAddress(nodeAddresses.get(name)).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewNodeInfo().withKubeletVersion(kubeletVersions.getOrDefault(name, KUBELET_VERSION))
        .withKubeProxyVersion(kubeletVersions.getOrDefault(name, KUBELET_VERSION))
        .withOperatingSystem(node.getMetadata().getLabels().getOrDefault("kubernetes.io/os", "linux"))
        .withArchitecture("amd64").withContainerRuntimeVersion("fake://0").withOsImage("fake")
        .withKernelVersion("0").withMachineID(name).withSystemUUID(name).withBootID(name).endNodeInfo()
        .endStatus().build()));
    // What the node-lifecycle controller (off: nothing renews the nodes) does with the admission
    // plugin TaintNodesByCondition's taint on new nodes: it follows the Ready condition.
    retryingConflicts(() -> client.nodes().withName(name).edit(node -> {
      List<Taint> taints = new ArrayList<>(node.getSpec().getTaints());
      taints.removeIf(t -> NOT_READY_TAINT.equals(t.getKey()));
      if (!ready) {
        taints.add(new TaintBuilder().withKey(NOT_READY_TAINT).withEffect("NoSchedule").build());
      }
      node.getSpec().setTaints(taints);
      return node;
    }));
  }

  private static NodeCondition nodeCondition(String type, boolean status, String reason, String now) {
    return new NodeConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
        .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }

  public void deleteNode(String name) {
    client.nodes().withName(name).delete();
    nodeAddresses.remove(name);
    kubeletVersions.remove(name);
  }

  /** Pods that do not match stay Pending (scheduled, not started) until {@link #start}. */
  public void startOnly(Predicate<Pod> startsReady) {
    this.startsReady = startsReady;
  }

  /** Starts a pod held back by {@link #startOnly}, Ready. */
  public void start(String namespace, String name) {
    heldBack.remove(namespace + "/" + name);
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod != null) {
      report(pod, true);
    }
  }

  /** A running container's readiness probe starts failing, or passes again. */
  public void setReady(String namespace, String name, boolean ready) {
    report(client.pods().inNamespace(namespace).withName(name).require(), ready);
  }

  /** The pod's containers exit with an error and it will not restart (phase Failed). */
  public void fail(String namespace, String name) {
    retryingConflicts(() -> client.pods().inNamespace(namespace).withName(name).editStatus(pod -> {
      pod.getStatus().setPhase("Failed");
      pod.getStatus().setConditions(conditions(false));
      return pod;
    }));
  }

  private void sync(Pod pod) {
    String node = pod.getSpec().getNodeName();
    if (node == null || !nodeAddresses.containsKey(node)) {
      return;
    }
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    try {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        // The kubelet has stopped the containers: it confirms the graceful deletion.
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .withGracePeriod(0).delete();
        heldBack.remove(key);
        return;
      }
      if (pod.getStatus() != null && pod.getStatus().getPhase() != null && !"Pending".equals(pod.getStatus().getPhase())) {
        return; // already started; readiness changes only on demand
      }
      if (heldBack.contains(key)) {
        return;
      }
      if (!startsReady.test(pod)) {
        heldBack.add(key);
        return;
      }
      report(pod, true);
    } catch (KubernetesClientException e) {
      // The pod changed or went away meanwhile; the informer brings its next state.
      log.debug("fake kubelet: {} not updated: {}", key, e.getMessage());
    }
  }

  private void report(Pod pod, boolean ready) {
    String now = Instant.now().toString();
    String podIp = "10.244." + (podCounter.incrementAndGet() / 250) + "." + (podCounter.get() % 250 + 1);
    String hostIp = nodeAddresses.getOrDefault(pod.getSpec().getNodeName(), "10.240.0.1");
    List<ContainerStatus> init = new ArrayList<>();
    for (Container c : pod.getSpec().getInitContainers()) {
      init.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("fake://" + c.getImage())
          .withReady(true).withRestartCount(0)
          .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withFinishedAt(now).endTerminated().endState()
          .build());
    }
    List<ContainerStatus> containers = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      containers.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("fake://" + c.getImage())
          .withContainerID("fake://" + c.getName()).withReady(ready).withStarted(true).withRestartCount(0)
          .withNewState().withNewRunning().withStartedAt(now).endRunning().endState()
          .build());
    }
    retryingConflicts(() -> client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).editStatus(p -> {
      var status = p.getStatus();
      status.setPhase("Running");
      status.setConditions(conditions(ready));
      status.setHostIP(hostIp);
      if (status.getPodIP() == null) {
        status.setPodIP(podIp);
        status.setPodIPs(List.of(new PodIPBuilder().withIp(podIp).build()));
      }
      status.setStartTime(status.getStartTime() == null ? now : status.getStartTime());
      status.setInitContainerStatuses(init);
      status.setContainerStatuses(containers);
      return p;
    }));
  }

  /**
   * edit and editStatus patch against the version read; the controllers write the same objects (node
   * status, pod conditions), so a conflict means: read again and redo, as a kubelet would.
   */
  private static void retryingConflicts(Runnable write) {
    for (int attempt = 1; ; attempt++) {
      try {
        write.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private static List<PodCondition> conditions(boolean ready) {
    String now = Instant.now().toString();
    String value = ready ? "True" : "False";
    return List.of(
        new PodConditionBuilder().withType("Initialized").withStatus("True").withLastTransitionTime(now).build(),
        new PodConditionBuilder().withType("Ready").withStatus(value).withLastTransitionTime(now).build(),
        new PodConditionBuilder().withType("ContainersReady").withStatus(value).withLastTransitionTime(now).build(),
        new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(now).build());
  }

  /** Whether the pod's Ready condition is True. */
  public static boolean isReady(Pod pod) {
    return pod != null && pod.getStatus() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Override
  public void close() {
    pods.close();
  }
}
