package io.dotproxy.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: the first starts a graceful stop on its own thread, the second cuts it
 * short. A JVM shutdown hook cannot do this (it runs once and ignores further signals).
 */
final class StopSignals {

  private StopSignals() {}

  static void onFirst(Runnable gracefulStop, Runnable hurry) {
    AtomicInteger received = new AtomicInteger();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (received.incrementAndGet() == 1) {
          Thread stopper = new Thread(gracefulStop, "dotproxy-stop");
          stopper.start();
        } else {
          hurry.run();
        }
      });
    }
  }
}
