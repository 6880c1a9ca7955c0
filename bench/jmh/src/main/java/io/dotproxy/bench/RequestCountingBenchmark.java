package io.dotproxy.bench;

import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * What counting a received query costs on the listener's path: {@code dotproxy_requests_total} by
 * transport, client address family and query type (the question's type read from the packet, the
 * data point picked from a table), plus the request size histogram. {@code transportOnly} is the
 * counting as it was with a {@code proto} label alone, the same client library calls, for comparison.
 */
public class RequestCountingBenchmark extends HotPathBenchmark {

  private ProxyMetrics metrics;
  private ByteBuf packet;
  private InetAddress ipv4Client;
  private InetAddress ipv6Client;
  private CounterDataPoint udpRequests;
  private DistributionDataPoint udpRequestSize;

  @Setup
  public void setUp() {
    metrics = new ProxyMetrics();
    packet = Unpooled.wrappedBuffer(Queries.query("www.example.test.").toWire());
    ipv4Client = Queries.address("10.1.2.3");
    ipv6Client = Queries.address("2001:db8::53");
    PrometheusRegistry registry = new PrometheusRegistry();
    udpRequests = Counter.builder().name("requests_by_transport").labelNames("proto")
        .register(registry).labelValues("udp");
    udpRequestSize = Histogram.builder().name("request_size").labelNames("proto").classicOnly()
        .classicUpperBounds(0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16000, 32000, 48000, 64000)
        .register(registry).labelValues("udp");
  }

  @Benchmark
  public void transportOnly() {
    udpRequests.inc();
    udpRequestSize.observe(packet.readableBytes());
  }

  @Benchmark
  public void byTypeAndFamilyIpv4() {
    metrics.request(true, ipv4Client instanceof Inet6Address, PlainQuery.questionType(packet),
        packet.readableBytes());
  }

  @Benchmark
  public void byTypeAndFamilyIpv6() {
    metrics.request(true, ipv6Client instanceof Inet6Address, PlainQuery.questionType(packet),
        packet.readableBytes());
  }
}
