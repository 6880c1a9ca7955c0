package io.dotproxy.operator.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why the DaemonSet controller cannot create a fleet's pods: the API server's answer is recorded only as
 * a FailedCreate event on the DaemonSet (its status does not say). Read with one filtered list, and only
 * while pods are missing, rather than watched.
 */
public final class PodCreationRefusals {

  private static final Logger log = LoggerFactory.getLogger(PodCreationRefusals.class);

  private PodCreationRefusals() {}

  /** The newest FailedCreate message for the DaemonSet; empty if none, or if events may not be read. */
  public static Optional<String> newest(KubernetesClient client, String namespace, String daemonSet) {
    try {
      return client.v1().events().inNamespace(namespace)
          .withFields(Map.of("involvedObject.kind", "DaemonSet", "involvedObject.name", daemonSet, "reason", "FailedCreate"))
          .list().getItems().stream()
          .max(Comparator.comparing(PodCreationRefusals::when))
          .map(Event::getMessage)
          .filter(Objects::nonNull);
    } catch (KubernetesClientException e) {
      // An operator whose RBAC predates this check carries on as before: it cannot tell, so it does not fall back.
      log.debug("cannot read the events of DaemonSet {}/{}: {}", namespace, daemonSet, e.getMessage());
      return Optional.empty();
    }
  }

  /** RFC 3339 timestamps compare as strings; an aggregated event's lastTimestamp is its newest. */
  private static String when(Event event) {
    return Optional.ofNullable(event.getLastTimestamp())
        .or(() -> Optional.ofNullable(event.getEventTime()).map(t -> t.getTime()))
        .or(() -> Optional.ofNullable(event.getMetadata().getCreationTimestamp()))
        .orElse("");
  }
}
