package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.PriorityClassStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which PriorityClass the fleet's pods get.
 *
 * <p>By default {@value #DEFAULT}, as for CoreDNS and NodeLocal DNSCache: DNS is what everything else on a
 * node needs, so the proxy should be the last pod preempted or evicted. The API server accepts that class
 * in any namespace unless its ResourceQuota admission is configured to limit it ({@code limitedResources}
 * with a PriorityClass scope, as some managed clusters do); then a pod may use it only where a
 * ResourceQuota in its namespace covers that class. The DaemonSet itself is accepted either way; its
 * controller's pod creations fail, and the failure is only visible as FailedCreate events. So when the
 * default's pods are refused, the fleet falls back to no priority class, once and for good, and
 * {@code status.priorityClass} says why. A class set in the spec is used as it is, refused or not.
 */
public final class ProxyPriority {

  public static final String DEFAULT = "system-node-critical";

  /** What the API server's refusal names: the quota scope, or the class itself. */
  private static final String REFUSAL_MARKER = "PriorityClass";

  private ProxyPriority() {}

  /**
   * @param daemonSet the fleet's DaemonSet as last seen
   * @param refusal the newest FailedCreate message for it; asked only while pods are missing
   */
  public static PriorityClassStatus decide(DnsOverTlsProxy proxy, Optional<DaemonSet> daemonSet,
      Supplier<Optional<String>> refusal) {
    Optional<String> explicit = explicit(proxy);
    if (explicit.isPresent()) {
      String name = explicit.get();
      String message = name.isEmpty() || !podsMissing(daemonSet) ? null
          : refusal.get().filter(ProxyPriority::aboutPriorityClass).orElse(null);
      return new PriorityClassStatus(name, null, message);
    }
    PriorityClassStatus previous = proxy.getStatus() == null ? null : proxy.getStatus().getPriorityClass();
    if (previous != null && Boolean.TRUE.equals(previous.getDefaultRefused())) {
      return previous;
    }
    if (podsMissing(daemonSet) && usesDefault(daemonSet.get())) {
      Optional<String> refused = refusal.get().filter(ProxyPriority::aboutPriorityClass);
      if (refused.isPresent()) {
        String namespace = proxy.getMetadata().getNamespace();
        return new PriorityClassStatus("", true, DEFAULT + " is refused in namespace " + namespace + " (" + refused.get()
            + "), so the proxies run without a priority class and may be preempted or evicted before other pods."
            + " To give them the class, allow it in this namespace (a ResourceQuota with a scopeSelector on PriorityClass "
            + DEFAULT + ") and set spec.placement.priorityClassName: " + DEFAULT);
      }
    }
    return new PriorityClassStatus(DEFAULT, null, null);
  }

  /** The class for the pod template: what {@link #decide} chose, or, before it has, what spec and status say. */
  public static String forPods(DnsOverTlsProxy proxy, Optional<PriorityClassStatus> decided) {
    String name = decided.map(PriorityClassStatus::getName)
        .orElseGet(() -> decide(proxy, Optional.empty(), Optional::empty).getName());
    return name == null || name.isEmpty() ? null : name;
  }

  private static Optional<String> explicit(DnsOverTlsProxy proxy) {
    return Optional.ofNullable(proxy.getSpec())
        .map(spec -> spec.getPlacement())
        .map(placement -> placement.getPriorityClassName());
  }

  /**
   * The DaemonSet controller has not created a pod for every node it wants one on. When its creations
   * fail it does not even write its status, so a status that does not describe the current generation
   * counts too.
   */
  static boolean podsMissing(Optional<DaemonSet> daemonSet) {
    if (daemonSet.isEmpty()) {
      return false;
    }
    DaemonSetStatus status = daemonSet.get().getStatus();
    if (status == null || !Objects.equals(status.getObservedGeneration(), daemonSet.get().getMetadata().getGeneration())) {
      return true;
    }
    return orZero(status.getCurrentNumberScheduled()) < orZero(status.getDesiredNumberScheduled());
  }

  private static boolean usesDefault(DaemonSet daemonSet) {
    return DEFAULT.equals(daemonSet.getSpec().getTemplate().getSpec().getPriorityClassName());
  }

  private static boolean aboutPriorityClass(String message) {
    return message.contains(REFUSAL_MARKER);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
