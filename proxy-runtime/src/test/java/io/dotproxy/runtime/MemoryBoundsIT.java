package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.ProxyProcess;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UdpLoad;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Every queue, map and buffer the proxy keeps is bounded: the proxy runs as users run it, a
 * separate JVM from the jar with the image's JVM flags, but with a 64 MB heap, and each structure is
 * driven to its limit in turn. After each step the process must be alive (it would exit on an
 * OutOfMemoryError), answering, and holding no more than {@link #LIVE_HEAP_CEILING} of live heap.
 * Each step prints its figures: live heap (after a full collection), native "Other" memory (where
 * the direct buffers are) and what the proxy counted.
 */
class MemoryBoundsIT {

  static final TestPki PKI = TestPki.newCa();
  static final int HEAP_MB = 64;
  static final long LIVE_HEAP_CEILING = 48L * 1024 * 1024;
  static final List<String> JVM = List.of("-Xmx" + HEAP_MB + "m", "-XX:+UseSerialGC",
      "-XX:+ExitOnOutOfMemoryError", "-XX:NativeMemoryTracking=summary");
  /** About 4 KB of TXT records: big enough that the cache must count bytes, not entries. */
  static final int BIG_ANSWER_BYTES = 4_000;

  @TempDir Path dir;

  @Test
  void everyQueueAndMapStaysWithinItsLimitAndTheHeap() throws Exception {
    Issued certificate = PKI.issue();
    try (FakeDotServer upstream = new FakeDotServer(certificate).behave(MemoryBoundsIT::answer);
         // A plain-DNS server for a forward zone that takes queries and never answers.
         DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
         ProxyProcess proxy = ProxyProcess.start(JVM, List.of(
             "--upstream", "127.0.0.1@" + upstream.port() + "#dot.test",
             "--ca-file", certificate.writePem(dir).caCertificate().toString(),
             // The rate-limit table gets a bucket per client, but no client is ever limited.
             "--rate-limit-qps", "1000000",
             // Stdout is a pipe nobody reads: the query log's writer blocks, its queue fills.
             "--query-log", "--timeout", "2s",
             "--forward-zone", "stalled.internal=127.0.0.1:" + silent.getLocalPort()), dir)) {
      Steps steps = new Steps(proxy);
      steps.check("started");

      int smallNames = fill(proxy, "small.test", Type.A, 2, 9_900);
      double smallEntries = proxy.metric("dotproxy_cache_entries");
      steps.check("cache: " + smallNames + " names with small answers, cache-size 10,000");
      assertThat(smallEntries).as("the cache full").isBetween(9_900.0, 10_000.0);

      int bigNames = fill(proxy, "big.test", Type.TXT, 1, 0);
      double bigEntries = proxy.metric("dotproxy_cache_entries");
      steps.check("cache: " + bigNames + " more names with 4 KB answers; " + (long) bigEntries + " entries");
      assertThat(bigEntries).as("4 KB answers count as several entries").isLessThan(smallEntries);

      int sources = 66_000;
      int sent = fromManySources(proxy.address(), sources, Duration.ofSeconds(15));
      steps.check("rate-limit table: one query each from " + sent + " source addresses (table: 65,536)");
      assertThat(sent).isEqualTo(sources);

      int flood = hotNameFlood(proxy.address(), Duration.ofSeconds(2));
      double overloaded = proxy.metric("dotproxy_overloaded_total");
      // Live heap at once, while the flood's queries wait; answers once they timed out (2 s).
      steps.check("in flight: " + flood + " queries in 2 s for one name the upstream never answers",
          Duration.ofMillis(2_500));
      assertThat(overloaded).as("queries over the in-flight limit, answered SERVFAIL at once").isPositive();

      UdpLoad forwarded = new UdpLoad(proxy.address(), 4, 5_000, Duration.ofSeconds(5), 10_000)
          .named("stalled.internal");
      forwarded.start();
      forwarded.awaitAnswers(Duration.ofMillis(100));
      steps.check("forward zone: " + forwarded.sent() + " names to a server that never answers",
          Duration.ofMillis(2_500));
      assertThat(forwarded.sent()).as("more than the forward-zone bound of 256 per event loop")
          .isGreaterThan(256 * Math.min(4, Runtime.getRuntime().availableProcessors())); // the default threads

      double logDropped = proxy.metric("dotproxy_query_log_dropped_total");
      steps.check("query log: stdout never read, " + (long) logDropped + " lines dropped");
      assertThat(logDropped).as("the queue is full and drops rather than grows").isPositive();

      int[] partial = partialTcpFrames(proxy, 1_100, 4_096, 4_000);
      steps.check("TCP: 1,100 clients each holding a 4,096-byte query unfinished; "
          + partial[1] + " closed by the proxy");
      assertThat(partial[0] - partial[1]).as("connections kept").isLessThanOrEqualTo(1_000);

      int[] oversized = partialTcpFrames(proxy, 1_000, 65_535, 60_000);
      steps.check("TCP: 1,000 clients announcing a 65,535-byte query; " + oversized[1] + " closed by the proxy");
      assertThat(oversized[1]).as("closed as soon as the length is read").isEqualTo(oversized[0]);

      try (DnsClient.Stream tcp = DnsClient.tcp(proxy.address())) {
        byte[] huge = tcp.exchange(DnsClient.query("huge.test.", Type.TXT), Duration.ofSeconds(5)).toWire();
        assertThat(huge.length).as("the answer the next clients ask for, now cached").isGreaterThan(60_000);
      }
      int[] nonReaders = nonReadingTcpClients(proxy, 30);
      steps.check("TCP: 30 clients pipelining 128 queries for 60 KB answers, never reading; "
          + nonReaders[1] + " closed by the proxy");
      // Their further queries wait unread in the frame decoder while they do not read, so their
      // answers never pile up; the 8 MB budget (TcpBackpressureTest) is the second line. The
      // step's own check (live heap, a new client answered over UDP and TCP) is what must hold.

      steps.report();
      assertThat(steps.maxLiveHeap).isLessThan(LIVE_HEAP_CEILING);
    }
  }

  /**
   * Standard answers; 4 KB of TXT for TXT queries, 60 KB for names starting "huge"; never an answer
   * for names starting "hot".
   */
  private static void answer(FakeDotServer.Query query) {
    Message message = query.message();
    if (message == null || message.getQuestion() == null) {
      query.answer();
      return;
    }
    if (message.getQuestion().getName().toString().startsWith("hot")) {
      return;
    }
    if (message.getQuestion().getType() != Type.TXT) {
      query.answer();
      return;
    }
    Message answer = Behaviour.standardAnswer(message);
    String text = "x".repeat(250);
    int size = message.getQuestion().getName().toString().startsWith("huge") ? 60_000 : BIG_ANSWER_BYTES;
    for (int bytes = 0; bytes < size; bytes += 250) {
      answer.addRecord(new TXTRecord(message.getQuestion().getName(), DClass.IN, 300, text), Section.ANSWER);
    }
    query.reply(answer);
  }

  /**
   * Asks for new names in batches of 4,000 at 4,000 a second until the cache holds {@code entries}
   * (at least {@code minBatches}, at most six or 30 s); returns how many names were asked.
   */
  private static int fill(ProxyProcess proxy, String zone, int type, int minBatches, int entries)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int batches = 0;
    while (batches < 6 && System.nanoTime() < deadline
        && (batches < minBatches || proxy.metric("dotproxy_cache_entries") < entries)) {
      UdpLoad load = new UdpLoad(proxy.address(), 4, 4_000, Duration.ofSeconds(5), 4_000)
          .named("b" + batches + "." + zone).ofType(type);
      load.start();
      load.awaitAnswers(Duration.ofSeconds(10));
      load.report("cache, " + zone + " batch " + batches);
      batches++;
    }
    return batches * 4_000;
  }

  /** One query from each of {@code count} addresses in 127.1.0.0/16 and up, without waiting for answers. */
  private static int fromManySources(InetSocketAddress proxy, int count, Duration limit) throws IOException {
    ByteBuffer query = ByteBuffer.wrap(DnsClient.query("small.test.", Type.A).toWire());
    long deadline = System.nanoTime() + limit.toNanos();
    int sent = 0;
    for (; sent < count && System.nanoTime() < deadline; sent++) {
      int host = 0x10000 + sent;
      InetAddress source = InetAddress.getByAddress(
          new byte[] {127, (byte) (host >> 16), (byte) (host >> 8), (byte) host});
      try (DatagramChannel channel = DatagramChannel.open()) {
        channel.bind(new InetSocketAddress(source, 0));
        channel.send(query.duplicate(), proxy);
      }
    }
    return sent;
  }

  /**
   * One socket sending the same name as fast as it can for {@code duration}: every query joins the
   * one upstream query in flight for it, which never comes back.
   */
  private static int hotNameFlood(InetSocketAddress proxy, Duration duration) throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      byte[] wire = DnsClient.query("hot.stalled.test.", Type.A).toWire();
      DatagramPacket packet = new DatagramPacket(wire, wire.length, proxy);
      long end = System.nanoTime() + duration.toNanos();
      int sent = 0;
      for (; sent < 1_000_000 && System.nanoTime() < end; sent++) {
        socket.send(packet);
      }
      return sent;
    }
  }

  /**
   * Clients that announce a query of {@code length} bytes and send {@code sent} of them; returns
   * {opened, closed by the proxy}.
   */
  private static int[] partialTcpFrames(ProxyProcess proxy, int clients, int length, int sent) throws Exception {
    byte[] partial = new byte[2 + sent];
    partial[0] = (byte) (length >> 8);
    partial[1] = (byte) length;
    List<Socket> sockets = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (int i = 0; i < clients && System.nanoTime() < deadline; i++) {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(proxy.address(), 5_000);
        try {
          socket.getOutputStream().write(partial);
        } catch (IOException closedAlready) {
          // the proxy closed it while we wrote: counted below
        }
      }
      Thread.sleep(500);
      return new int[] {sockets.size(), closedByPeer(sockets)};
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }

  /**
   * Clients that pipeline 128 queries whose answers are 60 KB, more than the kernel's socket
   * buffers take, and never read; returns {opened, closed by the proxy}.
   */
  private static int[] nonReadingTcpClients(ProxyProcess proxy, int clients) throws Exception {
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int i = 0; i < 128; i++) {
      byte[] query = DnsClient.query("huge.test.", Type.TXT).toWire(); // one upstream query, then cached
      batch.write(query.length >> 8);
      batch.write(query.length);
      batch.write(query);
    }
    List<Socket> sockets = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (int i = 0; i < clients && System.nanoTime() < deadline; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4_096);
        sockets.add(socket);
        socket.connect(proxy.address(), 5_000);
        socket.getOutputStream().write(batch.toByteArray());
      }
      Thread.sleep(2_000);
      return new int[] {sockets.size(), closedByPeer(sockets)};
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }

  /** Sockets the proxy closed: reading one reaches the end of stream or a reset. */
  private static int closedByPeer(List<Socket> sockets) throws IOException {
    int closed = 0;
    byte[] buffer = new byte[64 * 1024];
    for (Socket socket : sockets) {
      socket.setSoTimeout(1);
      try {
        InputStream in = socket.getInputStream();
        // Read what is there (answers the client did not read); EOF behind them means closed.
        for (int n = 0; n >= 0 && n < 64; n++) {
          if (in.read(buffer) < 0) {
            closed++;
            break;
          }
        }
      } catch (SocketTimeoutException open) {
        // still open
      } catch (IOException reset) {
        closed++;
      }
    }
    return closed;
  }

  /** Runs the checks after each step and keeps the figures. */
  private static final class Steps {
    private final ProxyProcess proxy;
    private final StringBuilder figures = new StringBuilder();
    private final long start = System.nanoTime();
    long maxLiveHeap;

    Steps(ProxyProcess proxy) {
      this.proxy = proxy;
    }

    void check(String step) throws Exception {
      check(step, Duration.ZERO);
    }

    /** Measures at once, then waits {@code settle} before a new client asks. */
    void check(String step, Duration settle) throws Exception {
      assertThat(proxy.isAlive()).as("alive after: %s; its log:%n%s", step, proxy.log()).isTrue();
      ProxyProcess.Memory memory = proxy.memory();
      long heap = memory.liveHeap();
      long direct = memory.nativeOther();
      maxLiveHeap = Math.max(maxLiveHeap, heap);
      Thread.sleep(settle.toMillis());
      Message udp = proxy.udp(DnsClient.query("after.test.", Type.A), Duration.ofSeconds(5));
      Message tcp;
      try (DnsClient.Stream stream = DnsClient.tcp(proxy.address())) {
        tcp = stream.exchange(DnsClient.query("after.test.", Type.A), Duration.ofSeconds(5));
      }
      String line = String.format("[memory %4.1f s] %s: live heap %.1f MB of %d MB, native Other %.1f MB; "
              + "a new client gets %s over UDP, %s over TCP%n", (System.nanoTime() - start) / 1e9, step, heap / 1048576.0, HEAP_MB,
          direct / 1048576.0, Rcode.string(udp.getRcode()), Rcode.string(tcp.getRcode()));
      System.out.print(line);
      figures.append(line);
      assertThat(udp.getRcode()).as("UDP answer after: %s", step).isEqualTo(Rcode.NOERROR);
      assertThat(tcp.getRcode()).as("TCP answer after: %s", step).isEqualTo(Rcode.NOERROR);
      assertThat(heap).as("live heap after: %s", step).isLessThan(LIVE_HEAP_CEILING);
    }

    void report() {
      System.out.print(figures);
    }
  }
}
