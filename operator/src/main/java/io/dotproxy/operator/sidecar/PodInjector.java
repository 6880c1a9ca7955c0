package io.dotproxy.operator.sidecar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.ProxyNames;
import io.dotproxy.operator.resources.ProxySidecarFactory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Decides whether a pod being created gets the proxy, and computes the JSON patch that adds it.
 *
 * <p>The pod is changed as a JSON tree, never round-tripped through the Java model: the patch is the
 * library's diff between the tree the API server sent and the changed tree, so it contains exactly our
 * additions and nothing that the model would have normalised (defaults, field order, unknown fields).
 *
 * <p>Thread-safe: admission requests are handled concurrently.
 */
public final class PodInjector {

  /** Namespaces whose pods are never injected, whatever their labels say. */
  static final String KUBE_SYSTEM = "kube-system";

  private static final ObjectMapper MAPPER = Serialization.jsonMapper();
  /** Plain add/replace/remove operations: no move or copy, which would read as puzzles in audit logs. */
  private static final EnumSet<DiffFlags> DIFF_FLAGS =
      EnumSet.of(DiffFlags.OMIT_VALUE_ON_REMOVE, DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

  private static final Set<Integer> PROXY_PORTS = Set.of(ProxyNames.DNS_PORT, ProxyNames.ADMIN_PORT);

  private final ProxyLookup proxies;
  private final String defaultImage;
  private final Supplier<ClusterCapabilities> capabilities;
  private final String clusterDomain;
  private final String operatorNamespace;

  public PodInjector(
      ProxyLookup proxies,
      String defaultImage,
      ClusterCapabilities capabilities,
      String clusterDomain,
      String operatorNamespace) {
    this(proxies, defaultImage, () -> capabilities, clusterDomain, operatorNamespace);
  }

  /** @param capabilities read once per pod: with {@code --native-sidecars auto} they follow the nodes */
  public PodInjector(
      ProxyLookup proxies,
      String defaultImage,
      Supplier<ClusterCapabilities> capabilities,
      String clusterDomain,
      String operatorNamespace) {
    this.proxies = proxies;
    this.defaultImage = defaultImage;
    this.capabilities = capabilities;
    this.clusterDomain = clusterDomain;
    this.operatorNamespace = operatorNamespace;
  }

  public boolean nativeSidecars() {
    return capabilities.get().nativeSidecars();
  }

  /**
   * @param namespace the namespace of the admission request (a pod's own metadata.namespace may be empty)
   * @param podJson the pod as the API server sent it
   */
  public Injection admit(String namespace, ObjectNode podJson) {
    Pod pod = toPod(podJson);
    Optional<String> proxyName = SidecarLabels.proxyName(pod);
    if (proxyName.isEmpty()) {
      return Injection.skipped(Injection.Outcome.NOT_LABELLED);
    }
    if (SidecarLabels.isInjected(pod)) {
      // Reinvocation, or a pod created from an injected pod's manifest: the proxy is there already.
      return Injection.skipped(Injection.Outcome.ALREADY_INJECTED);
    }
    if (SidecarLabels.optedOut(pod)) {
      return Injection.skipped(Injection.Outcome.OPTED_OUT);
    }
    if (KUBE_SYSTEM.equals(namespace) || namespace.equals(operatorNamespace)) {
      return Injection.skipped(Injection.Outcome.EXCLUDED_NAMESPACE,
          "dotproxy: pods in namespace " + namespace + " are never injected");
    }
    PodSpec spec = pod.getSpec();
    if (Boolean.TRUE.equals(spec.getHostNetwork())) {
      return Injection.skipped(Injection.Outcome.HOST_NETWORK,
          "dotproxy: not injected: a hostNetwork pod shares the node's 127.0.0.1:53");
    }
    Optional<DnsOverTlsProxy> found = proxies.find(namespace, proxyName.get());
    if (found.isEmpty()) {
      return Injection.skipped(Injection.Outcome.PROXY_NOT_FOUND,
          "dotproxy: not injected: no DnsOverTlsProxy " + proxyName.get() + " in namespace " + namespace);
    }
    DnsOverTlsProxy proxy = found.get();
    Optional<String> unreadable = proxy.getSpec().unreadable();
    if (unreadable.isPresent()) {
      return Injection.skipped(Injection.Outcome.UNREADABLE_PROXY,
          "dotproxy: not injected: the spec of DnsOverTlsProxy " + proxyName.get() + " cannot be read: " + unreadable.get());
    }
    if (proxy.getSpec().runsAsDaemonSet()) {
      return Injection.skipped(Injection.Outcome.NOT_SIDECAR_MODE,
          "dotproxy: not injected: DnsOverTlsProxy " + proxyName.get() + " is in DaemonSet mode, not Sidecar");
    }
    if (stillServesCoreDns(proxy)) {
      // Its fleet, and the config sidecars would share, stay as they were until CoreDNS has let go.
      return Injection.skipped(Injection.Outcome.NOT_SIDECAR_MODE,
          "dotproxy: not injected: DnsOverTlsProxy " + proxyName.get() + " is switching to Sidecar mode and its fleet "
              + "still serves CoreDNS (status.coreDNS.state " + proxy.getStatus().getCoreDNS().getState()
              + "); pods created from now on are injected once that ends");
    }
    Optional<String> conflict = conflict(spec);
    if (conflict.isPresent()) {
      return Injection.skipped(Injection.Outcome.CONFLICT, "dotproxy: not injected: " + conflict.get());
    }

    ClusterCapabilities capabilities = this.capabilities.get();
    List<String> warnings = new ArrayList<>();
    notReady(proxy).ifPresent(warnings::add);
    if (!capabilities.nativeSidecars() && !list(spec.getInitContainers()).isEmpty()) {
      // Ordinary init containers all run before the first ordinary container, so before the proxy.
      warnings.add("dotproxy: without native sidecars the pod's init containers run before the proxy and have no DNS");
    }
    ObjectNode injected = podJson.deepCopy();
    PodDnsSettings.Result dns = PodDnsSettings.of(spec.getDnsPolicy(), spec.getDnsConfig(), namespace, clusterDomain, capabilities);
    warnings.addAll(dns.warnings());
    inject(injected, proxy, dns, spec, capabilities.nativeSidecars());
    JsonNode patch = JsonDiff.asJson(podJson, injected, DIFF_FLAGS);
    return new Injection(Injection.Outcome.INJECTED, Optional.of(patch), warnings);
  }

  private static boolean stillServesCoreDns(DnsOverTlsProxy proxy) {
    return proxy.getStatus() != null && proxy.getStatus().getCoreDNS() != null
        && (proxy.getStatus().getCoreDNS().getState() == CoreDnsState.PATCHED
            || proxy.getStatus().getCoreDNS().getState() == CoreDnsState.REVERTING);
  }

  private void inject(ObjectNode pod, DnsOverTlsProxy proxy, PodDnsSettings.Result dns, PodSpec spec, boolean nativeSidecars) {
    ObjectNode specNode = object(pod, "spec");
    Container sidecar = ProxySidecarFactory.container(proxy, defaultImage, nativeSidecars);
    // First in line: native sidecars start before the pod's own init containers (which may need DNS
    // too); as a plain container it is at least started first.
    array(specNode, nativeSidecars ? "initContainers" : "containers").insert(0, tree(sidecar));
    ArrayNode volumes = array(specNode, "volumes");
    for (Volume volume : ProxySidecarFactory.volumes(proxy)) {
      volumes.add(tree(volume));
    }
    specNode.put("dnsPolicy", PodDnsSettings.POLICY);
    specNode.set("dnsConfig", tree(dns.dnsConfig()));
    if (unprivilegedPortStart(spec).isEmpty()) {
      ObjectNode sysctl = MAPPER.createObjectNode()
          .put("name", ProxySidecarFactory.UNPRIVILEGED_PORT_SYSCTL)
          .put("value", String.valueOf(ProxySidecarFactory.UNPRIVILEGED_PORT_START));
      array(object(specNode, "securityContext"), "sysctls").add(sysctl);
    }
    object(object(pod, "metadata"), "annotations").put(SidecarLabels.INJECTED, "true");
  }

  /** Something in the pod the proxy would clash with; injecting anyway would break the pod. */
  private static Optional<String> conflict(PodSpec spec) {
    List<Container> all = Stream.concat(list(spec.getInitContainers()).stream(), list(spec.getContainers()).stream()).toList();
    for (Container c : all) {
      if (ProxyNames.CONTAINER.equals(c.getName())) {
        return Optional.of("the pod already has a container named " + ProxyNames.CONTAINER);
      }
      for (ContainerPort port : list(c.getPorts())) {
        if (port.getContainerPort() != null && PROXY_PORTS.contains(port.getContainerPort())) {
          return Optional.of("container " + c.getName() + " uses port " + port.getContainerPort() + ", which the proxy needs");
        }
      }
    }
    for (Volume v : list(spec.getVolumes())) {
      if (ProxySidecarFactory.VOLUMES.contains(v.getName())) {
        return Optional.of("the pod already has a volume named " + v.getName());
      }
    }
    Optional<String> portStart = unprivilegedPortStart(spec);
    if (portStart.isPresent()) {
      int value;
      try {
        value = Integer.parseInt(portStart.get().strip());
      } catch (NumberFormatException e) {
        value = Integer.MAX_VALUE;
      }
      if (value > ProxySidecarFactory.UNPRIVILEGED_PORT_START) {
        return Optional.of("the pod sets " + ProxySidecarFactory.UNPRIVILEGED_PORT_SYSCTL + "=" + portStart.get()
            + "; the proxy needs " + ProxySidecarFactory.UNPRIVILEGED_PORT_START + " or lower");
      }
    }
    if (spec.getOs() != null && "windows".equalsIgnoreCase(spec.getOs().getName())) {
      return Optional.of("the proxy runs on Linux nodes only");
    }
    return Optional.empty();
  }

  private static Optional<String> unprivilegedPortStart(PodSpec spec) {
    if (spec.getSecurityContext() == null) {
      return Optional.empty();
    }
    return list(spec.getSecurityContext().getSysctls()).stream()
        .filter(s -> ProxySidecarFactory.UNPRIVILEGED_PORT_SYSCTL.equals(s.getName()))
        .map(Sysctl::getValue)
        .findFirst();
  }

  private static Optional<String> notReady(DnsOverTlsProxy proxy) {
    if (proxy.getStatus() == null) {
      return Optional.empty();
    }
    return proxy.getStatus().condition("Ready")
        .filter(c -> "False".equals(c.getStatus()))
        .map(Condition::getReason)
        .map(reason -> "dotproxy: DnsOverTlsProxy " + proxy.getMetadata().getName() + " is not Ready (" + reason
            + "); the proxy starts once its config exists");
  }

  private static Pod toPod(ObjectNode podJson) {
    try {
      Pod pod = MAPPER.treeToValue(podJson, Pod.class);
      if (pod.getMetadata() == null) {
        pod.setMetadata(new ObjectMeta());
      }
      if (pod.getSpec() == null) {
        throw new IllegalArgumentException("the pod has no spec");
      }
      return pod;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("request.object is not a pod: " + e.getOriginalMessage(), e);
    }
  }

  private static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  private static ObjectNode object(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node instanceof ObjectNode object) {
      return object;
    }
    return parent.putObject(field);
  }

  private static ArrayNode array(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node instanceof ArrayNode array) {
      return array;
    }
    return parent.putArray(field);
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }
}
