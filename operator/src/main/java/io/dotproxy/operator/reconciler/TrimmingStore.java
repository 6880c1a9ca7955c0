package io.dotproxy.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps each object only as {@code trim} leaves it, so an informer over many
 * objects holds what the operator reads of them rather than the objects themselves.
 */
class TrimmingStore<R extends HasMetadata> implements ItemStore<R> {

  private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final UnaryOperator<R> trim;

  TrimmingStore(UnaryOperator<R> trim) {
    this.trim = trim;
  }

  @Override
  public String getKey(R object) {
    return store.getKey(object);
  }

  @Override
  public R put(String key, R object) {
    return store.put(key, trim.apply(object));
  }

  @Override
  public R remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet();
  }

  @Override
  public Stream<R> values() {
    return store.values();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public R get(String key) {
    return store.get(key);
  }
}
