package io.dotproxy.runtime.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Exponentially weighted moving average of an upstream's answer time and of its mean deviation
 * (the estimator of TCP's RFC 6298), shared by all loops.
 */
final class RoundTripTime {

  private static final double WEIGHT = 0.2;
  private static final double DEVIATION_WEIGHT = 0.25;
  private static final long UNMEASURED = Double.doubleToLongBits(Double.NaN);

  private final AtomicLong averageMicrosBits = new AtomicLong(UNMEASURED);
  private final AtomicLong deviationMicrosBits = new AtomicLong(Double.doubleToLongBits(0));

  void record(long nanos) {
    double sample = nanos / 1000.0;
    double before = Double.longBitsToDouble(averageMicrosBits.getAndUpdate(bits -> {
      double average = Double.longBitsToDouble(bits);
      double next = Double.isNaN(average) ? sample : average + WEIGHT * (sample - average);
      return Double.doubleToLongBits(next);
    }));
    if (!Double.isNaN(before)) {
      double error = Math.abs(sample - before);
      deviationMicrosBits.getAndUpdate(bits -> {
        double deviation = Double.longBitsToDouble(bits);
        return Double.doubleToLongBits(deviation + DEVIATION_WEIGHT * (error - deviation));
      });
    }
  }

  /** The average in microseconds, or NaN before the first answer. */
  double averageMicros() {
    return Double.longBitsToDouble(averageMicrosBits.get());
  }

  /**
   * About the 95th percentile in microseconds, or NaN before the first answer: the average plus
   * twice the mean deviation (for normally distributed times, the mean deviation is 0.8 standard
   * deviations, so this is the mean plus 1.6 of them, the 95th percentile).
   */
  double highPercentileMicros() {
    return averageMicros() + 2 * Double.longBitsToDouble(deviationMicrosBits.get());
  }
}
