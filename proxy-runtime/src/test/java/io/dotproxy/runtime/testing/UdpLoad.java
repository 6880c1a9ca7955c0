package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Open-loop UDP load: query {@code i} is sent at {@code i / rate}, from one of a few sockets,
 * each answer matched by ID; bounded by {@code maxQueries} and {@code maxDuration}.
 */
public final class UdpLoad {

  private final InetSocketAddress proxy;
  private final int sockets;
  private final int maxQueries;
  private final Duration maxDuration;
  private final long ratePerSecond;
  private final AtomicLongArray sentAt;
  private final AtomicLongArray answeredAt;
  private final AtomicIntegerArray rcodes;
  private final AtomicInteger sent = new AtomicInteger();
  private final List<DatagramSocket> open = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean sending = true;
  private volatile String zone = "load.test.";
  private volatile int type = Type.A;
  private long start;

  public UdpLoad(InetSocketAddress proxy, int sockets, int maxQueries, Duration maxDuration) {
    this(proxy, sockets, maxQueries, maxDuration, 250);
  }

  public UdpLoad(InetSocketAddress proxy, int sockets, int maxQueries, Duration maxDuration, long ratePerSecond) {
    this.ratePerSecond = ratePerSecond;
    this.proxy = proxy;
    this.sockets = sockets;
    this.maxQueries = Math.min(maxQueries, 0x10000);
    this.maxDuration = maxDuration;
    this.sentAt = new AtomicLongArray(this.maxQueries);
    this.answeredAt = new AtomicLongArray(this.maxQueries);
    this.rcodes = new AtomicIntegerArray(this.maxQueries);
  }

  /** Asks for names {@code q<i>.<zone>} (default {@code load.test.}); call before {@link #start}. */
  public UdpLoad named(String zone) {
    this.zone = zone.endsWith(".") ? zone : zone + ".";
    return this;
  }

  /** Asks for this record type (default A); call before {@link #start}. */
  public UdpLoad ofType(int type) {
    this.type = type;
    return this;
  }

  public void start() throws IOException {
    start = System.nanoTime();
    for (int s = 0; s < sockets; s++) {
      DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      socket.setSoTimeout(200);
      open.add(socket);
      Thread reader = new Thread(() -> read(socket), "load-reader-" + s);
      reader.start();
      threads.add(reader);
    }
    Thread sender = new Thread(this::send, "load-sender");
    sender.start();
    threads.add(sender);
  }

  private void send() {
    long deadline = start + maxDuration.toNanos();
    for (int i = 0; i < maxQueries && sending && System.nanoTime() < deadline; i++) {
      long due = start + i * 1_000_000_000L / ratePerSecond;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
      if (!sending) {
        return;
      }
      Message query = DnsClient.query("q" + i + "." + zone, type);
      query.getHeader().setID(i);
      byte[] wire = query.toWire();
      sentAt.set(i, elapsedMillis());
      try {
        open.get(i % sockets).send(new DatagramPacket(wire, wire.length, proxy));
        sent.incrementAndGet();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void read(DatagramSocket socket) {
    byte[] buffer = new byte[4096];
    while (!socket.isClosed()) {
      try {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        Message answer = new Message(java.util.Arrays.copyOf(buffer, packet.getLength()));
        int id = answer.getHeader().getID();
        if (id < maxQueries && answeredAt.compareAndSet(id, 0, Math.max(1, elapsedMillis()))) {
          rcodes.set(id, answer.getRcode());
        }
      } catch (IOException timeoutOrClosed) {
        // keep reading until closed
      }
    }
  }

  public long elapsedMillis() {
    return (System.nanoTime() - start) / 1_000_000;
  }

  public void stopSending() {
    sending = false;
  }

  /**
   * Waits until the sender has stopped (its count or time is up, or {@link #stopSending}) and every
   * query sent has an answer, at most {@code timeout} in all; then closes the sockets.
   */
  public void awaitAnswers(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Thread sender = threads.get(threads.size() - 1);
    sender.join(Math.max(1, timeout.toMillis()));
    while (answered() < sent.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    open.forEach(DatagramSocket::close);
    for (Thread thread : threads) {
      thread.join(2_000);
    }
  }

  public int answered() {
    int count = 0;
    for (int i = 0; i < sent.get(); i++) {
      if (answeredAt.get(i) != 0) {
        count++;
      }
    }
    return count;
  }

  public int sent() {
    return sent.get();
  }

  public int lost() {
    return sent.get() - answered();
  }

  public int sentAfter(long millis) {
    int count = 0;
    for (int i = 0; i < sent.get(); i++) {
      if (sentAt.get(i) >= millis) {
        count++;
      }
    }
    return count;
  }

  public int servfailsSentBetween(long fromMillis, long toMillis) {
    int count = 0;
    for (int i = 0; i < sent.get(); i++) {
      if (answeredAt.get(i) != 0 && rcodes.get(i) == Rcode.SERVFAIL
          && sentAt.get(i) >= fromMillis && sentAt.get(i) < toMillis) {
        count++;
      }
    }
    return count;
  }

  public int servfailsAnsweredBefore(long millis) {
    int count = 0;
    for (int i = 0; i < sent.get(); i++) {
      if (answeredAt.get(i) != 0 && answeredAt.get(i) < millis && rcodes.get(i) == Rcode.SERVFAIL) {
        count++;
      }
    }
    return count;
  }

  public long maxLatencyMillisSentBetween(long fromMillis, long toMillis) {
    long max = 0;
    for (int i = 0; i < sent.get(); i++) {
      if (answeredAt.get(i) != 0 && sentAt.get(i) >= fromMillis && sentAt.get(i) < toMillis) {
        max = Math.max(max, answeredAt.get(i) - sentAt.get(i));
      }
    }
    return max;
  }

  /** When the first query sent after {@code millis} was answered NOERROR; -1 if none was. */
  public long firstNoErrorAfter(long millis) {
    for (int i = 0; i < sent.get(); i++) {
      if (sentAt.get(i) >= millis && answeredAt.get(i) != 0 && rcodes.get(i) == Rcode.NOERROR) {
        return sentAt.get(i);
      }
    }
    return -1;
  }

  /** The {@code percentile} (0-100) of answer times in milliseconds, over the queries answered. */
  public long latencyPercentileMillis(double percentile) {
    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < sent.get(); i++) {
      if (answeredAt.get(i) != 0) {
        latencies.add(answeredAt.get(i) - sentAt.get(i));
      }
    }
    if (latencies.isEmpty()) {
      return -1;
    }
    latencies.sort(null);
    int index = (int) Math.ceil(percentile / 100 * latencies.size()) - 1;
    return latencies.get(Math.max(0, Math.min(latencies.size() - 1, index)));
  }

  public void report(String what) {
    System.out.printf("[%s] sent %d, answered %d, SERVFAIL %d, lost %d%n",
        what, sent.get(), answered(), servfailsSentBetween(0, Long.MAX_VALUE), lost());
  }
}
