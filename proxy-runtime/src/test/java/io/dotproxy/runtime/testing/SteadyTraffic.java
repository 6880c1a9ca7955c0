package io.dotproxy.runtime.testing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Rcode;

/**
 * A well-behaved client in the background: unique names over UDP, one at a time, each expected to
 * come back NOERROR; bounded to 30 s and 20,000 queries. Counts what it sent and what failed.
 */
public final class SteadyTraffic implements AutoCloseable {

  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  public SteadyTraffic(InetSocketAddress proxy) {
    thread = new Thread(() -> run(proxy), "steady-traffic");
    thread.start();
  }

  private void run(InetSocketAddress proxy) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try (DnsClient.Udp udp = DnsClient.udp(proxy)) {
      while (running.get() && sent.get() < 20_000 && System.nanoTime() < deadline) {
        int n = sent.incrementAndGet();
        try {
          if (udp.exchange(DnsClient.query("q" + n + ".test.", org.xbill.DNS.Type.A), Duration.ofSeconds(5))
              .getRcode() != Rcode.NOERROR) {
            failed.incrementAndGet();
          }
        } catch (Exception e) {
          failed.incrementAndGet();
        }
      }
    } catch (Exception e) {
      failed.incrementAndGet();
    }
  }

  public int sent() {
    return sent.get();
  }

  public int failed() {
    return failed.get();
  }

  /** Stops after the query under way, and waits for it. */
  public void stop() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
