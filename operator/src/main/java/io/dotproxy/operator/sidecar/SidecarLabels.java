package io.dotproxy.operator.sidecar;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** The pod label and annotations of Sidecar mode (CONVENTIONS.md). */
public final class SidecarLabels {

  /** Pod label naming the DnsOverTlsProxy (in the pod's namespace) whose proxy the pod wants. */
  public static final String PROXY = "dotproxy.io/proxy";

  /** Pod annotation; "false" opts a labelled pod out. */
  public static final String INJECT = "dotproxy.io/inject";

  /** Pod annotation the webhook sets on the pods it injected. */
  public static final String INJECTED = "dotproxy.io/injected";

  private SidecarLabels() {}

  public static Optional<String> proxyName(Pod pod) {
    return Optional.ofNullable(value(pod.getMetadata().getLabels(), PROXY)).filter(s -> !s.isEmpty());
  }

  public static boolean isInjected(Pod pod) {
    return value(pod.getMetadata().getAnnotations(), INJECTED) != null;
  }

  public static boolean optedOut(Pod pod) {
    return "false".equalsIgnoreCase(value(pod.getMetadata().getAnnotations(), INJECT));
  }

  /** An injected pod that has not finished: what status.injectedPods counts. */
  public static boolean countsAsInjected(Pod pod) {
    return isInjected(pod) && !finished(pod);
  }

  /**
   * A labelled pod that runs without the proxy although it did not opt out: created while the webhook
   * was unreachable (failurePolicy Ignore), or skipped by it. What status.uninjectedPods counts.
   */
  public static boolean countsAsUninjected(Pod pod) {
    return proxyName(pod).isPresent() && !isInjected(pod) && !optedOut(pod) && !finished(pod);
  }

  private static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  public static int countInjected(Collection<Pod> pods) {
    return (int) pods.stream().filter(SidecarLabels::countsAsInjected).count();
  }

  private static String value(Map<String, String> map, String key) {
    return map == null ? null : map.get(key);
  }
}
