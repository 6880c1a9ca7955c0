package io.dotproxy.runtime.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Monotonic nanoseconds that move only when a test says so. */
final class ManualClock implements LongSupplier {

  private final AtomicLong nanos = new AtomicLong(Duration.ofDays(1).toNanos());

  void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  @Override
  public long getAsLong() {
    return nanos.get();
  }
}
