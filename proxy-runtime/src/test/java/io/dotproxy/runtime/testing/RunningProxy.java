package io.dotproxy.runtime.testing;

import io.dotproxy.runtime.ProxyServer;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Message;

/**
 * The proxy started in-process from command-line flags, on free loopback ports unless the flags
 * say otherwise, exactly as {@code Main} would configure it.
 */
public final class RunningProxy implements AutoCloseable {

  public static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(8);

  private final ProxyServer server;

  private RunningProxy(ProxyServer server) {
    this.server = server;
  }

  public static RunningProxy start(String... flags) throws Exception {
    return start(Transport.detect(), flags);
  }

  public static RunningProxy start(Transport transport, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of(flags));
    if (!args.contains("--listen")) {
      args.addAll(List.of("--listen", "127.0.0.1:0"));
    }
    if (!args.contains("--admin")) {
      args.addAll(List.of("--admin", "127.0.0.1:0"));
    }
    ConfigLoader loader = ConfigLoader.of(args, Map.of());
    return new RunningProxy(ProxyServer.start(loader.load(), loader, transport));
  }

  /** Flags naming one DoT upstream with the test CA: {@code --upstream 127.0.0.1@PORT#NAME --ca-file CA}. */
  public static List<String> upstreamFlags(InetSocketAddress upstream, String serverName, java.nio.file.Path caFile) {
    return List.of("--upstream", "127.0.0.1@" + upstream.getPort() + (serverName == null ? "" : "#" + serverName),
        "--ca-file", caFile.toString());
  }

  public ProxyServer server() {
    return server;
  }

  public InetSocketAddress address() {
    return server.listenAddresses().get(0);
  }

  public Message udp(Message query) throws IOException {
    try (DnsClient.Udp udp = DnsClient.udp(address())) {
      return udp.exchange(query, CLIENT_TIMEOUT);
    }
  }

  public Message tcp(Message query) throws IOException {
    try (DnsClient.Stream tcp = DnsClient.tcp(address())) {
      return tcp.exchange(query, CLIENT_TIMEOUT);
    }
  }

  /** Every sample of the proxy's {@code /metrics}, scraped over HTTP as Prometheus would. */
  public Map<String, Double> scrape() throws IOException, InterruptedException {
    return MetricsScrape.of(server.adminAddress().getPort());
  }

  /** One sample, e.g. {@code dotproxy_responses_total{rcode="NOERROR"}}; 0 when absent. */
  public double metric(String sample) throws IOException, InterruptedException {
    return scrape().getOrDefault(sample, 0.0);
  }

  @Override
  public void close() {
    server.close();
  }
}
