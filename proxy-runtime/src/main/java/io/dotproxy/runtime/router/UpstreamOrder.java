package io.dotproxy.runtime.router;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.upstream.Upstream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The order in which one query tries the healthy upstreams: first choice, then failovers. */
interface UpstreamOrder {

  List<Upstream> order(List<Upstream> healthy);

  static UpstreamOrder of(Policy policy) {
    return switch (policy) {
      case SEQUENTIAL, PARALLEL -> healthy -> healthy;
      case ROUND_ROBIN -> new RoundRobin();
      case FASTEST -> new Fastest();
    };
  }

  /** Starts one further along the list on every query. */
  final class RoundRobin implements UpstreamOrder {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public List<Upstream> order(List<Upstream> healthy) {
      int size = healthy.size();
      if (size <= 1) {
        return healthy;
      }
      int start = Math.floorMod(next.getAndIncrement(), size);
      List<Upstream> rotated = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        rotated.add(healthy.get((start + i) % size));
      }
      return rotated;
    }
  }

  /**
   * Lowest expected wait first: smoothed answer time times (outstanding queries + 1), so a fast
   * upstream that is piling up work yields to the next. An upstream not yet measured goes first,
   * so every upstream gets measured.
   */
  final class Fastest implements UpstreamOrder {
    @Override
    public List<Upstream> order(List<Upstream> healthy) {
      if (healthy.size() <= 1) {
        return healthy;
      }
      List<Upstream> sorted = new ArrayList<>(healthy);
      sorted.sort(Comparator.comparingDouble(Fastest::expectedWait));
      return sorted;
    }

    private static double expectedWait(Upstream upstream) {
      double average = upstream.averageMicros();
      return Double.isNaN(average) ? 0 : average * (upstream.outstanding() + 1);
    }
  }
}
