package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.transport.Transport;

/** The same tests on the NIO transport, the one used where epoll is not available. */
class ForwardZoneResolverNioTest extends ForwardZoneResolverTest {

  @Override
  Transport transport() {
    return Transport.nio();
  }
}
