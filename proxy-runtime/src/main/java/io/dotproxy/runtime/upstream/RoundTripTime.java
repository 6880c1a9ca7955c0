package io.dotproxy.runtime.upstream;

import java.util.concurrent.atomic.AtomicLong;

/** Exponentially weighted moving average of an upstream's answer time, shared by all loops. */
final class RoundTripTime {

  private static final double WEIGHT = 0.2;
  private static final long UNMEASURED = Double.doubleToLongBits(Double.NaN);

  private final AtomicLong averageMicrosBits = new AtomicLong(UNMEASURED);

  void record(long nanos) {
    double sample = nanos / 1000.0;
    averageMicrosBits.getAndUpdate(bits -> {
      double average = Double.longBitsToDouble(bits);
      double next = Double.isNaN(average) ? sample : average + WEIGHT * (sample - average);
      return Double.doubleToLongBits(next);
    });
  }

  /** The average in microseconds, or NaN before the first answer. */
  double averageMicros() {
    return Double.longBitsToDouble(averageMicrosBits.get());
  }
}
