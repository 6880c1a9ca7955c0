package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.ProxyProcess;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UdpLoad;
import io.dotproxy.runtime.testing.UnboundServer;
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
   * Queries as fast as one socket on 127.0.0.2 can send them for 5 s (at most 10,000,000), over its
   * rate limit, next to a well-behaved client on 127.0.0.1 asking one query at a time: every one
   * of the well-behaved client's queries is answered (a stub retransmits after a second; the
   * retransmissions are counted), and its answer times are measured without and with the flood.
   */
  @Test
  void udpFloodFromOneSourceDoesNotStarveAWellBehavedClient() throws Exception {
    // The flood lasts a fixed time, not a count: a fast sender got through 200,000 packets in under a
    // second, and the well-behaved client then sent too few queries during it to judge.
    Duration floodTime = Duration.ofSeconds(5);
    int floodPacketsAtMost = 10_000_000;
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--rate-limit-qps", "200", "--rate-limit-action", "drop");
         DatagramSocket flood = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
         DnsClient.Udp good = DnsClient.udp(proxy.address())) {
      WellBehaved quiet = WellBehaved.ask(good, "quiet", 150, () -> false);

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
        long deadline = System.nanoTime() + floodTime.toNanos();
        int sent = 0;
        try {
          DatagramPacket datagram = new DatagramPacket(packet, packet.length, proxy.address());
          for (; sent < floodPacketsAtMost && System.nanoTime() < deadline; sent++) {
            flood.send(datagram);
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        return sent;
      });
      WellBehaved flooded = WellBehaved.ask(good, "flooded", 1_000, flooding::isDone);
      int floodSent = flooding.get();
      Thread.sleep(500);
      flood.close();
      reader.join(2_000);
      System.out.printf("[UDP flood] flood sent %d, answered %d (rate limit drops the rest); well-behaved client "
          + "without the flood: %s; during the flood: %s%n",
          floodSent, floodAnswers.get(), quiet, flooded);
      assertThat(quiet.answered).isEqualTo(quiet.sent);
      assertThat(flooded.sent).as("queries of the well-behaved client during the flood").isGreaterThanOrEqualTo(20);
      assertThat(flooded.answered).isEqualTo(flooded.sent);
      assertThat(floodAnswers.get()).as("the flood is held to its rate limit").isLessThan(floodSent / 2);
      // Not starved: every query answered, most at once. A stub retransmits after a second, so a slower
      // median would mean most queries were lost. Some are: the flood fills the socket's receive buffer
      // and the kernel drops datagrams before the proxy can tell one source from another; on two shared
      // cores (flood sender, proxy and client) CI runs saw up to a tenth of them retransmitted.
      assertThat(flooded.percentileMillis(50)).as("median during the flood, ms").isLessThan(500);
      assertThat(flooded.retransmissions).as("retransmissions during the flood").isLessThanOrEqualTo(flooded.sent / 4);
    }
  }

  /**
   * A stub that asks one query at a time, 10 ms apart, and retransmits after a second (up to three
   * tries): what it sent, what was answered and each query's time to its answer.
   */
  private record WellBehaved(int sent, int answered, int retransmissions, List<Double> millis) {

    static WellBehaved ask(DnsClient.Udp client, String label, int max, java.util.function.BooleanSupplier stop)
        throws Exception {
      int sent = 0;
      int answered = 0;
      int retransmissions = 0;
      List<Double> millis = new ArrayList<>();
      while (!stop.getAsBoolean() && sent < max) {
        Message query = DnsClient.query(label + sent + ".test.", Type.A);
        sent++;
        long start = System.nanoTime();
        for (int attempt = 0; attempt < 3; attempt++) {
          if (attempt > 0) {
            retransmissions++;
          }
          client.send(query.toWire());
          try {
            Message answer = DnsClient.parse(client.receive(Duration.ofSeconds(1)));
            if (answer.getHeader().getID() == query.getHeader().getID() && answer.getRcode() == Rcode.NOERROR) {
              answered++;
              millis.add((System.nanoTime() - start) / 1e6);
              break;
            }
          } catch (SocketTimeoutException lost) {
            // retransmit
          }
        }
        Thread.sleep(10);
      }
      millis.sort(null);
      return new WellBehaved(sent, answered, retransmissions, millis);
    }

    double percentileMillis(double percentile) {
      if (millis.isEmpty()) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(percentile / 100 * millis.size()) - 1;
      return millis.get(Math.max(0, index));
    }

    @Override
    public String toString() {
      return String.format("sent %d, answered %d, retransmissions %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
          sent, answered, retransmissions, percentileMillis(50), percentileMillis(99), percentileMillis(100));
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
    int boundPerLoop = io.dotproxy.runtime.upstream.ConnectionLimits.DEFAULTS.maxInFlight()
        * io.dotproxy.runtime.upstream.ConnectionLimits.DEFAULTS.connectionsPerLoop();
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(io.dotproxy.runtime.testing.Behaviour.STALL);
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--cache-size", "0", "--timeout", "1s")) {
      int bound = boundPerLoop * proxy.server().eventLoops();
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

  /**
   * An upstream that, under steady load, answers every 100th query with half an answer frame and
   * then a TCP reset: the queries outstanding on that connection are retried once on a new one, no
   * partial frame reaches a client, and no query is lost.
   */
  @Test
  void anUpstreamResettingMidAnswerUnderLoadCostsNoQuery() throws Exception {
    int every = 100;
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(Behaviour.resetMidAnswerEvery(every));
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", caFile().toString(), "--cache-size", "0", "--timeout", "2s")) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 2_000, Duration.ofSeconds(8), 500);
      load.start();
      load.awaitAnswers(Duration.ofSeconds(15));
      int resets = upstream.queriesReceived() / every;
      load.report("upstream resets mid-answer");
      System.out.printf("resets %d, connections the proxy opened %d, queries the upstream received %d%n",
          resets, upstream.connectionsAccepted(), upstream.queriesReceived());
      assertThat(resets).isPositive();
      assertThat(load.lost()).as("queries without any answer").isZero();
      assertThat(upstream.connectionsAccepted()).as("a new connection after each reset").isGreaterThan(resets);
      // SERVFAIL only for a query whose retry met a reset too: rare.
      assertThat(load.servfailsSentBetween(0, Long.MAX_VALUE)).isLessThanOrEqualTo(load.sent() / 50);
    }
  }

  /**
   * Steady load while the first upstream is restarted on its port with a certificate from another
   * CA: the proxy refuses it (no query crosses the unverified connection) and fails over to the
   * second upstream without a client noticing.
   */
  @Test
  void anUpstreamBackWithAnUntrustedCertificateIsRefusedAndFailedOver() throws Exception {
    FakeDotServer first = new FakeDotServer(PKI.issue());
    int firstPort = first.port();
    FakeDotServer impostor = null;
    try (FakeDotServer second = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start("--upstream", "127.0.0.1@" + firstPort + "#dot.test",
             "--upstream", "127.0.0.1@" + second.port() + "#dot.test", "--ca-file", caFile().toString(),
             "--policy", "sequential", "--cache-size", "0", "--timeout", "2s")) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 1_000, Duration.ofSeconds(8), 250);
      load.start();
      Thread.sleep(1_000);
      long switched = load.elapsedMillis();
      first.close();
      impostor = new FakeDotServer(TestPki.newCa("other CA").issue("dot.test", "127.0.0.1"), firstPort);
      Thread.sleep(2_500);
      load.stopSending();
      load.awaitAnswers(Duration.ofSeconds(5));
      load.report("upstream back with an untrusted certificate");
      System.out.printf("the impostor: %d connections, %d TLS handshakes completed, %d queries; "
          + "slowest answer after the switch %d ms%n", impostor.connectionsAccepted(),
          impostor.handshakesCompleted(), impostor.queriesReceived(),
          load.maxLatencyMillisSentBetween(switched, Long.MAX_VALUE));
      assertThat(impostor.connectionsAccepted()).as("the proxy tried it").isPositive();
      assertThat(impostor.queriesReceived()).as("no query crosses a connection that failed verification").isZero();
      assertThat(load.lost()).isZero();
      assertThat(load.servfailsSentBetween(0, Long.MAX_VALUE)).as("answered by the second upstream").isZero();
      // Usually ~100 ms; a query caught on the old connection as it went waits for the router's
      // failover timer (2 s) at most.
      assertThat(load.maxLatencyMillisSentBetween(switched, Long.MAX_VALUE)).isLessThan(3_000);
    } finally {
      first.close();
      if (impostor != null) {
        impostor.close();
      }
    }
  }

  /**
   * SIGTERM to the proxy as users run it ({@code java -jar proxy-runtime.jar}, in front of a real
   * Unbound) while a client sends steadily: readiness fails at once, every query sent during the
   * drain period is answered, and the process exits 0.
   */
  @Test
  void sigtermToTheProcessUnderLoadLosesNoQueryAndExitsZero() throws Exception {
    Issued certificate = PKI.issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start();
         ProxyProcess proxy = ProxyProcess.start(List.of(), List.of(
             "--upstream", "127.0.0.1@" + unbound.port() + "#dot.test",
             "--ca-file", certificate.writePem(dir).caCertificate().toString(),
             "--cache-size", "0", "--drain-period", "2s"), dir)) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 2_000, Duration.ofSeconds(6));
      load.start();
      Thread.sleep(1_000);
      long terminated = load.elapsedMillis();
      proxy.terminate();
      Thread.sleep(300);
      int readyz = proxy.adminStatus("/readyz");
      // Stop sending before the drain period ends: after it the listeners are closed.
      Thread.sleep(1_200);
      load.stopSending();
      load.awaitAnswers(Duration.ofSeconds(5));
      int exit = proxy.awaitExit(Duration.ofSeconds(15));
      load.report("SIGTERM to the process");
      System.out.printf("SIGTERM at %d ms, /readyz %d during the drain, exit code %d%n", terminated, readyz, exit);
      assertThat(readyz).isEqualTo(503);
      assertThat(load.sentAfter(terminated)).as("queries sent after SIGTERM").isPositive();
      assertThat(load.lost()).as("queries lost").isZero();
      assertThat(load.servfailsSentBetween(0, Long.MAX_VALUE)).isZero();
      assertThat(exit).isZero();
    }
  }

  private Path caFile() {
    return PKI.issue().writePem(dir).caCertificate();
  }
}
