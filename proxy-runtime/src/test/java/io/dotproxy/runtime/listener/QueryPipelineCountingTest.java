package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.InetAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * {@code dotproxy_requests_total{proto,family,type}} as CoreDNS counts {@code coredns_dns_requests_total}:
 * the client's address family (1 IPv4, 2 IPv6) and the question's type, the common ones by name and
 * the rest as "other", read from the packet before anything else happens to it.
 */
class QueryPipelineCountingTest {

  private final ProxyMetrics metrics = new ProxyMetrics();
  private final Resolver resolver = (query, loop) -> CompletableFuture.completedFuture(Responses.servfail(query));
  private final QueryPipeline pipeline = new QueryPipeline(resolver, metrics);

  @Test
  void aUdpQueryForAaaaFromAnIpv6ClientCountsUnderFamily2AndTypeAaaa() throws Exception {
    send(true, InetAddress.getByName("2001:db8::53"), query("v6.example.", Type.AAAA));

    assertThat(requests()).containsExactly(Map.entry("udp 2 AAAA", 1.0));
  }

  @Test
  void typesOutsideTheNamedSetCountAsOther() throws Exception {
    InetAddress client = InetAddress.getByName("192.0.2.1");
    send(true, client, query("caa.example.", Type.CAA)); // 257: beyond the lookup table too
    send(true, client, query("private.example.", 65280)); // private use
    send(false, client, query("naptr.example.", Type.NAPTR));
    send(true, client, new byte[] {1, 2, 3}); // no question to read

    assertThat(requests()).containsOnly(Map.entry("udp 1 other", 3.0), Map.entry("tcp 1 other", 1.0));
  }

  @Test
  void everyNamedTypeCountsUnderItsOwnName() throws Exception {
    InetAddress client = InetAddress.getByName("192.0.2.1");
    for (int type : ProxyMetrics.NAMED_QUERY_TYPES) {
      send(false, client, query("named.example.", type));
    }

    Map<String, Double> expected = new TreeMap<>();
    ProxyMetrics.NAMED_QUERY_TYPES.forEach(type -> expected.put("tcp 1 " + Type.string(type), 1.0));
    assertThat(requests()).isEqualTo(expected);
  }

  private void send(boolean udp, InetAddress client, byte[] wire) {
    pipeline.handle(Unpooled.wrappedBuffer(wire), udp, client, null, answer -> { });
  }

  private static byte[] query(String name, int type) throws Exception {
    return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire();
  }

  /** The non-zero series of dotproxy_requests_total, as "proto family type". */
  private Map<String, Double> requests() {
    Map<String, Double> counts = new TreeMap<>();
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals("dotproxy_requests")) {
        for (CounterDataPointSnapshot point : ((CounterSnapshot) snapshot).getDataPoints()) {
          if (point.getValue() > 0) {
            counts.put(point.getLabels().get("proto") + " " + point.getLabels().get("family") + " "
                + point.getLabels().get("type"), point.getValue());
          }
        }
      }
    }
    return counts;
  }
}
