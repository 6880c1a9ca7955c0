package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.ProxyServer;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Message;

/** The real proxy on 127.0.0.1:0 in front of one loopback DoT upstream, for the cache's *IT tests. */
final class RunningProxy implements AutoCloseable {

  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

  private final ProxyServer server;

  private RunningProxy(ProxyServer server) {
    this.server = server;
  }

  /**
   * @param upstreamPort a DoT server on 127.0.0.1 whose certificate names {@code dot.test}
   * @param caFile the CA that signed it
   * @param settings further flags, e.g. {@code "--cache-size", "100"}
   */
  static RunningProxy start(int upstreamPort, Path caFile, String... settings) throws Exception {
    List<String> args = new ArrayList<>(List.of(
        "--listen", "127.0.0.1:0",
        "--upstream", "127.0.0.1@" + upstreamPort + "#dot.test",
        "--ca-file", caFile.toString(),
        "--admin", "127.0.0.1:0"));
    args.addAll(List.of(settings));
    ProxyConfig config = ConfigLoader.load(args, Map.of());
    return new RunningProxy(ProxyServer.start(config, Transport.detect()));
  }

  InetSocketAddress address() {
    return server.listenAddresses().get(0);
  }

  /** One query over UDP. */
  Message ask(Message query) throws IOException {
    try (DnsClient.Udp udp = DnsClient.udp(address())) {
      return udp.exchange(query, ANSWER_TIMEOUT);
    }
  }

  /** One query over TCP. */
  Message askTcp(Message query) throws IOException {
    try (DnsClient.Stream tcp = DnsClient.tcp(address())) {
      return tcp.exchange(query, ANSWER_TIMEOUT);
    }
  }

  /** An unlabelled counter (name without {@code _total}) or gauge. */
  double metric(String name) {
    return Metrics.value(server.metrics(), name);
  }

  @Override
  public void close() {
    server.close();
  }
}
