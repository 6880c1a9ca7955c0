package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps only what counting injected and uninjected pods needs: the counts read one label, two
 * annotations, the name and the phase.
 */
final class TrimmedPodStore {

  private TrimmedPodStore() {}

  static ItemStore<Pod> create() {
    return new TrimmingItemStore<>(TrimmedPodStore::trim);
  }

  static Pod trim(Pod pod) {
    var meta = pod.getMetadata();
    PodBuilder trimmed = new PodBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(meta.getName())
            .withNamespace(meta.getNamespace())
            .withUid(meta.getUid())
            .withResourceVersion(meta.getResourceVersion())
            .withDeletionTimestamp(meta.getDeletionTimestamp())
            .withLabels(only(meta.getLabels(), SidecarLabels.PROXY))
            .withAnnotations(only(meta.getAnnotations(), SidecarLabels.INJECTED, SidecarLabels.INJECT))
            .build());
    if (pod.getStatus() != null && pod.getStatus().getPhase() != null) {
      trimmed.withNewStatus().withPhase(pod.getStatus().getPhase()).endStatus();
    }
    return trimmed.build();
  }

  private static Map<String, String> only(Map<String, String> map, String... keys) {
    Map<String, String> kept = new HashMap<>();
    for (String key : keys) {
      if (map != null && map.containsKey(key)) {
        kept.put(key, map.get(key));
      }
    }
    return kept;
  }
}
