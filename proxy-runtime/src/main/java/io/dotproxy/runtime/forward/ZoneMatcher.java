package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.config.ForwardZone;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;

/**
 * Finds the forward zone a name falls in: the longest configured zone the name is at or below,
 * compared label by label and ignoring case, so {@code a.svc.cluster.local} picks
 * {@code svc.cluster.local} over {@code cluster.local}, and {@code notcluster.local} matches neither.
 * A zone of {@code .} takes every name that no longer zone matches.
 */
final class ZoneMatcher {

  private static final Logger log = LoggerFactory.getLogger(ZoneMatcher.class);

  /** dnsjava's {@link Name} compares and hashes case-insensitively. */
  private final Map<Name, ForwardZone> zones = new HashMap<>();
  private final int maxLabels;

  ZoneMatcher(List<ForwardZone> forwardZones) {
    int deepest = 0;
    for (ForwardZone zone : forwardZones) {
      ForwardZone earlier = zones.putIfAbsent(zone.zone(), zone);
      if (earlier != null) {
        log.warn("forward-zone {} is configured more than once; using the first: {}",
            zone.zone(), earlier);
      }
      deepest = Math.max(deepest, zone.zone().labels());
    }
    this.maxLabels = deepest;
  }

  /** The zone {@code name} belongs to, or null when it belongs to none. */
  ForwardZone match(Name name) {
    int labels = name.labels();
    // Suffixes longer than the deepest zone cannot match; then longest first, down to the root.
    for (int strip = Math.max(0, labels - maxLabels); strip < labels; strip++) {
      ForwardZone zone = zones.get(strip == 0 ? name : new Name(name, strip));
      if (zone != null) {
        return zone;
      }
    }
    return null;
  }
}
