package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Per-client rate limiting through the real listeners, with a real Unbound DoT upstream. Clients
 * are told apart by their loopback source address (127.0.0.2, .3, ...).
 */
class RateLimitIT {

  private static final int QPS = 50;
  private static final int BURST = 50;

  @TempDir static Path dir;
  static UnboundServer unbound;
  static List<String> upstreamFlags;

  @BeforeAll
  static void start() {
    Issued certificate = TestPki.newCa().issue();
    unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard(1000)).start();
    upstreamFlags = RunningProxy.upstreamFlags(
        unbound.address(), "dot.test", certificate.writePem(dir).caCertificate());
  }

  @AfterAll
  static void stop() {
    if (unbound != null) {
      unbound.close();
    }
  }

  @Test
  void aFloodingClientIsRefusedWhileAnotherKeepsEveryAnswerAndItsLatency() throws Exception {
    try (RunningProxy proxy = proxy("refuse")) {
      // 2000 queries a second, forty times the limit, for as long as the other client needs.
      try (UdpFlood flood = new UdpFlood("127.0.0.2", proxy.address(), 2000, 20_000, Duration.ofSeconds(20))) {
        assertThat(flood.awaitFirstRefused(Duration.ofSeconds(10))).as("the flood is being limited").isTrue();

        List<Long> latenciesMicros = new ArrayList<>();
        try (DatagramSocket other = LoopbackClient.udpFrom("127.0.0.3", proxy.address())) {
          for (int i = 0; i < 60; i++) { // 25 a second: within its own limit
            Message query = DnsClient.query(SyntheticZone.rangeName(i), Type.A);
            long started = System.nanoTime();
            Message answer = LoopbackClient.exchange(other, query, Duration.ofSeconds(2));
            latenciesMicros.add((System.nanoTime() - started) / 1000);
            assertThat(answer.getRcode()).as("query %d of the other client", i).isEqualTo(Rcode.NOERROR);
            assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString())
                .isEqualTo(SyntheticZone.rangeAddress(i));
            Thread.sleep(40);
          }
        }
        assertThat(flood.isSending()).as("the flood lasted while the other client asked").isTrue();
        UdpFlood.Result result = flood.finish();

        Collections.sort(latenciesMicros);
        assertThat(latenciesMicros.get(latenciesMicros.size() / 2))
            .as("median latency of the other client, microseconds: %s", latenciesMicros)
            .isLessThan(100_000);
        assertThat(result.noError())
            .as("the flooder gets its burst and its rate, no more: %s", result)
            .isLessThanOrEqualTo(BURST + (int) Math.ceil(result.seconds() + 1) * QPS);
        assertThat(result.refused()).as("%s", result).isGreaterThan(result.sent() / 2);
        assertThat(LoopbackClient.metric(proxy, "dotproxy_ratelimited_total"))
            .isGreaterThanOrEqualTo(result.refused());
      }
    }
  }

  @Test
  void dropSendsNothingBackOverTheLimit() throws Exception {
    try (RunningProxy proxy = proxy("drop");
         UdpFlood flood = new UdpFlood("127.0.0.4", proxy.address(), 2000, 1000, Duration.ofSeconds(10))) {
      flood.awaitSent(Duration.ofSeconds(15));
      UdpFlood.Result result = flood.finish();
      assertThat(result.sent()).isEqualTo(1000);
      assertThat(result.refused()).isZero();
      assertThat(result.noError()).as("%s", result)
          .isLessThanOrEqualTo(BURST + (int) Math.ceil(result.seconds() + 1) * QPS);
      assertThat(LoopbackClient.metric(proxy, "dotproxy_ratelimited_total"))
          .isGreaterThanOrEqualTo(result.sent() - result.noError());
      // Another client is not affected.
      try (DatagramSocket other = LoopbackClient.udpFrom("127.0.0.5", proxy.address())) {
        Message answer = LoopbackClient.exchange(other, DnsClient.query(SyntheticZone.A_NAME, Type.A),
            Duration.ofSeconds(2));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
      }
    }
  }

  @Test
  void tcpClientsAreLimitedToo() throws Exception {
    try (RunningProxy proxy = proxy("refuse");
         LoopbackClient.Tcp tcp = new LoopbackClient.Tcp("127.0.0.6", proxy.address(), Duration.ofSeconds(10))) {
      int queries = 300;
      for (int i = 0; i < queries; i++) {
        tcp.send(DnsClient.query(SyntheticZone.rangeName(i), Type.A));
      }
      int refused = 0;
      for (int i = 0; i < queries; i++) {
        if (tcp.receive().getRcode() == Rcode.REFUSED) {
          refused++;
        }
      }
      assertThat(refused).isGreaterThanOrEqualTo(queries - BURST - 2 * QPS);
    }
  }

  @Test
  void withoutALimitNobodyIsRefused() throws Exception {
    try (RunningProxy proxy = RunningProxy.start(upstreamFlags.toArray(String[]::new));
         UdpFlood flood = new UdpFlood("127.0.0.7", proxy.address(), 2000, 1000, Duration.ofSeconds(10))) {
      flood.awaitSent(Duration.ofSeconds(15));
      UdpFlood.Result result = flood.finish();
      assertThat(result.refused()).isZero();
      assertThat(result.noError()).as("%s", result).isGreaterThan(result.sent() * 9 / 10);
      assertThat(LoopbackClient.metric(proxy, "dotproxy_ratelimited_total")).isZero();
    }
  }

  private RunningProxy proxy(String action) throws Exception {
    List<String> flags = new ArrayList<>(upstreamFlags);
    flags.addAll(List.of("--rate-limit-qps", String.valueOf(QPS), "--rate-limit-burst",
        String.valueOf(BURST), "--rate-limit-action", action));
    return RunningProxy.start(flags.toArray(String[]::new));
  }

  /**
   * One client sending queries at a steady rate from one source address, bounded in count and time,
   * and counting the answers by rcode.
   */
  static final class UdpFlood implements AutoCloseable {

    record Result(int sent, int noError, int refused, int other, double seconds) {}

    private final DatagramSocket socket;
    private final Thread sender;
    private final Thread receiver;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger noError = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger other = new AtomicInteger();
    private final CountDownLatch firstRefused = new CountDownLatch(1);
    private final CountDownLatch doneSending = new CountDownLatch(1);
    private volatile boolean stop;
    private volatile boolean receiving = true;
    private volatile long startedNanos;
    private volatile long stoppedNanos;

    UdpFlood(String source, InetSocketAddress proxy, int perSecond, int maxQueries, Duration maxTime)
        throws IOException {
      socket = LoopbackClient.udpFrom(source, proxy);
      socket.setSoTimeout(100);
      sender = new Thread(() -> send(perSecond, maxQueries, maxTime), "flood-sender-" + source);
      receiver = new Thread(this::receive, "flood-receiver-" + source);
      receiver.start();
      sender.start();
    }

    private void send(int perSecond, int maxQueries, Duration maxTime) {
      int perTick = Math.max(1, perSecond / 100); // a batch every 10 ms
      startedNanos = System.nanoTime();
      long deadline = startedNanos + maxTime.toNanos();
      try {
        for (long tick = 0; !stop && sent.get() < maxQueries && System.nanoTime() < deadline; tick++) {
          for (int i = 0; i < perTick && sent.get() < maxQueries; i++) {
            byte[] wire = DnsClient.query(SyntheticZone.rangeName(sent.get() % 1000), Type.A).toWire();
            socket.send(new DatagramPacket(wire, wire.length));
            sent.incrementAndGet();
          }
          long nextTick = startedNanos + (tick + 1) * 10_000_000L;
          long wait = nextTick - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
      } catch (IOException | InterruptedException e) {
        // the socket was closed: the flood is over
      } finally {
        stoppedNanos = System.nanoTime();
        doneSending.countDown();
      }
    }

    private void receive() {
      byte[] buffer = new byte[65535];
      while (receiving) {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
          socket.receive(packet);
        } catch (SocketTimeoutException e) {
          continue;
        } catch (IOException e) {
          return;
        }
        int rcode = DnsClient.parse(Arrays.copyOf(buffer, packet.getLength())).getRcode();
        if (rcode == Rcode.NOERROR) {
          noError.incrementAndGet();
        } else if (rcode == Rcode.REFUSED) {
          refused.incrementAndGet();
          firstRefused.countDown();
        } else {
          other.incrementAndGet();
        }
      }
    }

    boolean awaitFirstRefused(Duration timeout) throws InterruptedException {
      return firstRefused.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void awaitSent(Duration timeout) throws InterruptedException {
      doneSending.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isSending() {
      return doneSending.getCount() > 0;
    }

    /** Stops sending, collects answers still on their way for a moment, and counts. */
    Result finish() throws InterruptedException {
      stop = true;
      sender.join(5_000);
      Thread.sleep(1_000);
      receiving = false;
      receiver.join(5_000);
      return new Result(sent.get(), noError.get(), refused.get(), other.get(),
          (stoppedNanos - startedNanos) / 1e9);
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      receiving = false;
      socket.close();
      sender.join(5_000);
      receiver.join(5_000);
    }
  }
}
