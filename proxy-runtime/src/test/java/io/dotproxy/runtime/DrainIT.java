package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SteadyTraffic;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** Stopping under load, and clients that do not read: no lost query, no unbounded buffering. */
class DrainIT {

  static final TestPki PKI = TestPki.newCa();

  @TempDir Path dir;

  @Test
  void aDrainUnderTrafficLosesNoQuery() throws Exception {
    Issued certificate = PKI.issue();
    try (FakeDotServer upstream = new FakeDotServer(certificate)) {
      java.util.List<String> flags = new java.util.ArrayList<>(RunningProxy.upstreamFlags(upstream.address(),
          "dot.test", certificate.writePem(dir).caCertificate()));
      flags.addAll(java.util.List.of("--drain-period", "2s", "--cache-size", "0"));
      RunningProxy proxy = RunningProxy.start(flags.toArray(new String[0]));
      SteadyTraffic traffic = new SteadyTraffic(proxy.address());
      Thread.sleep(300);
      CompletableFuture<Void> drained = CompletableFuture.runAsync(proxy.server()::drainAndClose);
      Thread.sleep(200);
      assertThat(proxy.server().isReady()).as("/readyz fails at once").isFalse();
      Thread.sleep(1_200); // clients keep sending through most of the drain period, as kube-proxy's do
      traffic.stop();
      drained.get();
      assertThat(traffic.sent()).as("traffic flowed during the drain").isGreaterThan(10);
      assertThat(traffic.failed()).as("queries lost during the drain").isZero();
    }
  }

  @Test
  void aTcpClientThatDoesNotReadIsThrottledNotBuffered() throws Exception {
    Issued certificate = PKI.issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start();
         RunningProxy proxy = RunningProxy.start(RunningProxy.upstreamFlags(unbound.address(), "dot.test",
             certificate.writePem(dir).caCertificate()).toArray(new String[0]));
         Socket socket = new Socket()) {
      socket.setReceiveBufferSize(64 * 1024);
      socket.connect(proxy.address(), 5_000);
      byte[] query = DnsClient.query(SyntheticZone.BIG_NAME, Type.TXT).toWire();
      int total = 4_000; // about 32 MB of answers, far more than socket buffers hold
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          for (int i = 0; i < total; i++) {
            out.write(new byte[] {(byte) (query.length >> 8), (byte) query.length});
            out.write(query);
          }
          out.flush();
        } catch (Exception e) {
          // the read side below reports what matters
        }
      }, "non-reading-client");
      writer.start();
      Thread.sleep(2_000);
      double received = proxy.metric("dotproxy_requests_total{family=\"1\",proto=\"tcp\",type=\"TXT\"}");
      assertThat(received).as("the proxy stops reading from a client that does not read").isLessThan(total);

      socket.setSoTimeout(10_000);
      var in = new java.io.DataInputStream(socket.getInputStream());
      int answers = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (answers < total && System.nanoTime() < deadline) {
        byte[] answer = new byte[in.readUnsignedShort()];
        in.readFully(answer);
        assertThat(new Message(answer).getHeader().getID()).isEqualTo(new Message(query).getHeader().getID());
        answers++;
      }
      writer.join(10_000);
      assertThat(answers).as("once the client reads, every query is answered").isEqualTo(total);
    }
  }
}
