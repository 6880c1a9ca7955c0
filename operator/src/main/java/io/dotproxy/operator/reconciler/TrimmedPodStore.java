package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.sidecar.SidecarLabels;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Keeps only what counting injected and uninjected pods needs: a full pod is tens of kilobytes, of which
 * the counts read one label, two annotations, the name and the phase. With thousands of injected pods
 * this is the difference between megabytes and hundreds of megabytes of operator heap.
 */
final class TrimmedPodStore implements ItemStore<Pod> {

  private final BasicItemStore<Pod> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(Pod pod) {
    return store.getKey(pod);
  }

  @Override
  public Pod put(String key, Pod pod) {
    return store.put(key, trim(pod));
  }

  @Override
  public Pod remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet();
  }

  @Override
  public Stream<Pod> values() {
    return store.values();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public Pod get(String key) {
    return store.get(key);
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
