package io.dotproxy.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls until the operator has caught up, failing with the last value seen. */
public final class Eventually {

  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Eventually() {}

  public static <T> T until(String what, Supplier<T> probe, Predicate<T> done) {
    return until(what, TIMEOUT, probe, done);
  }

  /** With a timeout of its own, e.g. for controllers of a real control plane on a loaded machine. */
  public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (last != null && done.test(last)) {
        return last;
      }
      sleep(Duration.ofMillis(50));
    }
    throw new AssertionError("timed out waiting for " + what + "; last seen: " + describe(last));
  }

  /** Kubernetes objects as YAML: their toString hides the spec and status. */
  private static String describe(Object last) {
    return last instanceof HasMetadata object ? "\n" + Serialization.asYaml(object) : String.valueOf(last);
  }

  public static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
