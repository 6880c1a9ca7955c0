package io.dotproxy.operator.informers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps only what its reader needs of each object: a full Pod or Node is tens
 * of kilobytes, of which the operator reads a few fields. With thousands of them this is the difference
 * between megabytes and hundreds of megabytes of heap.
 *
 * @param <T> the kind stored; {@code trim} must keep name, namespace and resourceVersion
 */
public final class TrimmingItemStore<T extends HasMetadata> implements ItemStore<T> {

  private final BasicItemStore<T> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final UnaryOperator<T> trim;

  public TrimmingItemStore(UnaryOperator<T> trim) {
    this.trim = trim;
  }

  /**
   * What identifies one version of an object, and nothing else: name, namespace, uid and
   * resourceVersion. For caches that only need to notice a change, never to read the content.
   */
  public static ObjectMeta versionOnly(ObjectMeta meta) {
    return new ObjectMetaBuilder()
        .withName(meta.getName())
        .withNamespace(meta.getNamespace())
        .withUid(meta.getUid())
        .withResourceVersion(meta.getResourceVersion())
        .build();
  }

  @Override
  public String getKey(T item) {
    return store.getKey(item);
  }

  @Override
  public T put(String key, T item) {
    return store.put(key, trim.apply(item));
  }

  @Override
  public T remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet();
  }

  @Override
  public Stream<T> values() {
    return store.values();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public T get(String key) {
    return store.get(key);
  }
}
