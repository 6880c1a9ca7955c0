package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UdpLoad;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Faults, floods and a stop under load, against the in-process proxy and fake DoT upstreams, all
 * on loopback. Every load loop is bounded in count and in time; each test prints what it sent and
 * what came back (sent / answered / SERVFAIL / lost) so the figures show up in the test output.
 */
class FaultsIT {

  static final TestPki PKI = TestPki.newCa();

  @TempDir Path dir;

  /**
   * Steady UDP load while the first upstream is killed, then the second, then the first comes back
   * on its port: answers move to the second upstream at once, SERVFAIL only while neither is
   * usable, and the proxy finds the restarted upstream by itself.
   */
  @Test
  void upstreamKilledUnderLoadFailsOverAndRecovers() throws Exception {
    FakeDotServer first = new FakeDotServer(PKI.issue());
    FakeDotServer second = new FakeDotServer(PKI.issue());
    int firstPort = first.port();
    FakeDotServer restarted = null;
    try (RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + firstPort + "#dot.test",
        "--upstream", "127.0.0.1@" + second.port() + "#dot.test", "--ca-file", caFile().toString(),
        "--policy", "sequential", "--cache-size", "0", "--timeout", "2s")) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 2_000, Duration.ofSeconds(12));
      load.start();
      Thread.sleep(1_000);
      long killedFirst = load.elapsedMillis();
      first.close();
      Thread.sleep(2_000);
      long killedSecond = load.elapsedMillis();
      second.close();
      Thread.sleep(500);
      long restartedFirst = load.elapsedMillis();
      restarted = new FakeDotServer(PKI.issue(), firstPort);
      Thread.sleep(4_000);
      long recovered = load.firstNoErrorAfter(restartedFirst);
      load.stopSending();
      load.awaitAnswers(Duration.ofSeconds(5));
      load.report("upstream killed and restarted");
      System.out.printf("killed first at %d ms, second at %d ms, restarted first at %d ms, answered again from %d ms; "
          + "slowest answer while failing over %d ms%n", killedFirst, killedSecond, restartedFirst, recovered,
          load.maxLatencyMillisSentBetween(killedFirst, killedSecond));

      assertThat(load.lost()).as("queries without any answer").isZero();
      // A query in flight to the second upstream as it dies may get SERVFAIL; none before that.
      assertThat(load.servfailsAnsweredBefore(killedSecond))
          .as("SERVFAIL while the second upstream was still there").isZero();
      assertThat(load.servfailsSentBetween(killedSecond, restartedFirst))
          .as("SERVFAIL while no upstream was usable").isPositive();
      assertThat(recovered).as("answers again without a restart of the proxy").isPositive();
      assertThat(load.servfailsSentBetween(recovered + 1_000, Long.MAX_VALUE))
          .as("SERVFAIL once the first upstream was back").isZero();
      assertThat(load.maxLatencyMillisSentBetween(killedFirst, killedSecond))
          .as("failover to the second upstream within a second").isLessThan(1_000);
    } finally {
      second.close();
      if (restarted != null) {
        restarted.close();
      }
    }
  }

  /**
   * Thousands of TCP clients that connect and send nothing: the proxy keeps at most
   * {@code DnsListeners.MAX_TCP_CONNECTIONS} open by closing the oldest idle ones, and a normal
   * client, over TCP and UDP, is still answered.
   */
  @Test
  void idleTcpConnectionsDoNotLockOutANormalClient() throws Exception {
    int idle = 2_000;
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString())) {
      List<Socket> sockets = new ArrayList<>();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int i = 0; i < idle && System.nanoTime() < deadline; i++) {
          Socket socket = new Socket();
          sockets.add(socket);
          socket.connect(proxy.address(), 5_000);
        }
        assertThat(sockets).hasSize(idle);
        Message tcp = proxy.tcp(DnsClient.query("normal.test.", Type.A));
        Message udp = proxy.udp(DnsClient.query("normal.test.", Type.A));
        int closedByProxy = 0;
        for (Socket socket : sockets) {
          socket.setSoTimeout(1);
          try {
            if (socket.getInputStream().read() < 0) {
              closedByProxy++;
            }
          } catch (SocketTimeoutException stillOpen) {
            // open and idle
          } catch (IOException reset) {
            closedByProxy++;
          }
        }
        System.out.printf("[idle TCP] opened %d, closed by the proxy %d, still open %d; normal client TCP %s, UDP %s%n",
            idle, closedByProxy, idle - closedByProxy, Rcode.string(tcp.getRcode()), Rcode.string(udp.getRcode()));
        assertThat(tcp.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(udp.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(idle - closedByProxy).as("connections the proxy kept open")
            .isLessThanOrEqualTo(io.dotproxy.runtime.listener.DnsListenersAccess.maxTcpConnections());
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }

  /**
   * 200,000 queries as fast as one socket on 127.0.0.2 can send them (bounded to 10 s), over its
   * rate limit, next to a well-behaved client on 127.0.0.1 asking one query at a time: every one
   * of the well-behaved client's queries is answered (a stub retransmits after a second; the
   * retransmissions are counted).
   */
  @Test
  void udpFloodFromOneSourceDoesNotStarveAWellBehavedClient() throws Exception {
    int floodPackets = 200_000;
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--rate-limit-qps", "200", "--rate-limit-action", "drop");
         DatagramSocket flood = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
         DnsClient.Udp good = DnsClient.udp(proxy.address())) {
      byte[] packet = DnsClient.query("flood.test.", Type.A).toWire();
      AtomicInteger floodAnswers = new AtomicInteger();
      flood.setSoTimeout(500);
      Thread reader = new Thread(() -> {
        byte[] buffer = new byte[1500];
        while (!flood.isClosed()) {
          try {
            flood.receive(new DatagramPacket(buffer, buffer.length));
            floodAnswers.incrementAndGet();
          } catch (IOException timeoutOrClosed) {
            // keep reading until closed
          }
        }
      });
      reader.start();
      CompletableFuture<Integer> flooding = CompletableFuture.supplyAsync(() -> {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int sent = 0;
        try {
          DatagramPacket datagram = new DatagramPacket(packet, packet.length, proxy.address());
          for (; sent < floodPackets && System.nanoTime() < deadline; sent++) {
            flood.send(datagram);
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        return sent;
      });
      int goodQueries = 0;
      int goodAnswered = 0;
      int retransmissions = 0;
      while (!flooding.isDone() && goodQueries < 1_000) {
        Message query = DnsClient.query("good" + goodQueries + ".test.", Type.A);
        goodQueries++;
        for (int attempt = 0; attempt < 3; attempt++) {
          if (attempt > 0) {
            retransmissions++;
          }
          good.send(query.toWire());
          try {
            Message answer = DnsClient.parse(good.receive(Duration.ofSeconds(1)));
            if (answer.getHeader().getID() == query.getHeader().getID() && answer.getRcode() == Rcode.NOERROR) {
              goodAnswered++;
              break;
            }
          } catch (SocketTimeoutException lost) {
            // retransmit
          }
        }
        Thread.sleep(10);
      }
      int floodSent = flooding.get();
      Thread.sleep(500);
      flood.close();
      reader.join(2_000);
      System.out.printf("[UDP flood] flood sent %d, answered %d (rate limit drops the rest); well-behaved client "
          + "sent %d, answered %d, retransmissions %d, lost %d%n",
          floodSent, floodAnswers.get(), goodQueries, goodAnswered, retransmissions, goodQueries - goodAnswered);
      assertThat(goodQueries).isPositive();
      assertThat(goodAnswered).isEqualTo(goodQueries);
      assertThat(floodAnswers.get()).as("the flood is held to its rate limit").isLessThan(floodSent / 2);
    }
  }

  /**
   * SIGTERM's graceful stop while a client sends steadily: every query sent during the drain
   * period is answered, and readiness fails at once.
   */
  @Test
  void drainUnderLoadLosesNoQuery() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--cache-size", "0", "--drain-period", "2s")) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 2_000, Duration.ofSeconds(6));
      load.start();
      Thread.sleep(1_000);
      long drainStarted = load.elapsedMillis();
      Thread stopper = new Thread(() -> proxy.server().drainAndClose());
      stopper.start();
      Thread.sleep(200);
      boolean readyWhileDraining = proxy.server().isReady();
      // Stop sending well before the drain period ends: queries after it have no listener.
      Thread.sleep(1_300);
      load.stopSending();
      load.awaitAnswers(Duration.ofSeconds(5));
      stopper.join(10_000);
      load.report("drain under load");
      System.out.printf("drain started at %d ms, sending stopped at %d ms%n", drainStarted, load.elapsedMillis());
      assertThat(readyWhileDraining).as("/readyz fails during the drain").isFalse();
      assertThat(load.sentAfter(drainStarted)).as("queries sent during the drain").isPositive();
      assertThat(load.lost()).as("queries lost").isZero();
      assertThat(load.servfailsSentBetween(0, Long.MAX_VALUE)).isZero();
      assertThat(stopper.isAlive()).isFalse();
    }
  }

  /**
   * Memory bound of the upstream side: a burst of distinct queries against an upstream that never
   * answers fills each event loop's connections to their in-flight limit (256 per connection, two
   * connections per loop); queries beyond that are answered SERVFAIL at once instead of queueing,
   * the rest SERVFAIL at the timeout. Nothing is lost, and before any timeout frees a slot the upstream
   * has no more than the bound outstanding.
   */
  @Test
  void aStalledUpstreamHoldsNoMoreThanTheInFlightBound() throws Exception {
    int burst = 3_000;
    int bound = io.dotproxy.runtime.upstream.ConnectionLimits.DEFAULTS.maxInFlight()
        * io.dotproxy.runtime.upstream.ConnectionLimits.DEFAULTS.connectionsPerLoop()
        * Runtime.getRuntime().availableProcessors();
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(io.dotproxy.runtime.testing.Behaviour.STALL);
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--cache-size", "0", "--timeout", "1s")) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, burst, Duration.ofSeconds(10), 10_000);
      load.start();
      Thread.sleep(900); // the burst is sent; no query has reached its 1 s timeout yet
      int beforeAnyTimeout = upstream.queriesReceived();
      load.stopSending();
      load.awaitAnswers(Duration.ofSeconds(8));
      double busy = proxy.scrape().entrySet().stream()
          .filter(e -> e.getKey().startsWith("dotproxy_upstream_failures_total{reason=\"busy\""))
          .mapToDouble(java.util.Map.Entry::getValue).sum();
      load.report("stalled upstream, burst of " + burst);
      System.out.printf("in flight to the upstream before any timeout %d (bound %d); refused as busy %.0f%n",
          beforeAnyTimeout, bound, busy);
      assertThat(load.sent()).isEqualTo(burst);
      assertThat(load.lost()).isZero();
      assertThat(load.servfailsSentBetween(0, Long.MAX_VALUE)).isEqualTo(burst);
      assertThat(beforeAnyTimeout).isLessThanOrEqualTo(bound);
      assertThat(busy).as("refused at once rather than queued").isGreaterThanOrEqualTo(burst - bound);
    }
  }

  private Path caFile() {
    return PKI.issue().writePem(dir).caCertificate();
  }
}
