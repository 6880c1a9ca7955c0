package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.config.ForwardZone;
import io.dotproxy.runtime.config.HostPort;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forward zone's servers and the one queries start with: the first configured, until it fails and
 * another answers; then that one, until it fails in turn. So a server that silently drops packets
 * costs one attempt timeout once, not on every query. Shared by all event loops; the index is only
 * written when it changes, which is rare.
 */
final class ZoneServers {

  private final ForwardZone zone;
  private final String label;
  private final AtomicInteger current = new AtomicInteger();

  ZoneServers(ForwardZone zone) {
    this.zone = zone;
    this.label = zone.zone().toString();
  }

  /** The zone as a metric label, e.g. {@code cluster.local.}. */
  String label() {
    return label;
  }

  int size() {
    return zone.servers().size();
  }

  /** The server {@code offset} places after the current one, wrapping around. */
  int index(int offset) {
    return (current.get() + offset) % size();
  }

  HostPort server(int index) {
    return zone.servers().get(index);
  }

  /** The server at {@code index} just answered: start there from now on. */
  void answered(int index) {
    if (current.get() != index) {
      current.set(index);
    }
  }
}
