package io.dotproxy.runtime.querylog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.QueryTrace;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.util.NetUtil;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Type;

/**
 * One JSON line per answered query, for a SOC: client, name, type, rcode, upstream, cache outcome,
 * the answer cross-check's verdict and latency. Off by default, because query names are personal
 * data. Lines go through a bounded queue to one writer thread, so a slow stdout never stalls the
 * event loops; when the queue is full lines are dropped and counted rather than buffered without
 * bound.
 */
public final class QueryLog implements AutoCloseable {

  /** Lines waiting for the writer: about 4 MB of heap when full, most of a second at 20,000 queries/s. */
  static final int QUEUE_CAPACITY = 16_384;

  private final JsonFactory json = new JsonFactory();
  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final Writer out;
  private final ProxyMetrics metrics;
  private final Thread writer;
  private volatile boolean closed;

  public QueryLog(OutputStream destination, ProxyMetrics metrics) {
    this.out = new BufferedWriter(new OutputStreamWriter(destination, StandardCharsets.UTF_8));
    this.metrics = metrics;
    this.writer = new Thread(this::drain, "dotproxy-query-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * @param rcode the answer's rcode name
   * @param nanos from receiving the query to sending the answer
   */
  public void record(InetAddress client, boolean udp, ClientQuery query, String rcode, long nanos) {
    if (!lines.offer(line(client, udp, query, rcode, nanos))) {
      metrics.queryLogDropped();
    }
  }

  private String line(InetAddress client, boolean udp, ClientQuery query, String rcode, long nanos) {
    StringWriter text = new StringWriter(192);
    QueryTrace trace = query.trace();
    try (JsonGenerator line = json.createGenerator(text)) {
      line.writeStartObject();
      line.writeStringField("time", Instant.now().toString());
      line.writeStringField("client", NetUtil.toAddressString(client));
      line.writeStringField("proto", udp ? "udp" : "tcp");
      line.writeStringField("name", query.question().getName().toString());
      line.writeStringField("type", Type.string(query.question().getType()));
      line.writeStringField("rcode", rcode);
      if (trace.upstream() != null) {
        line.writeStringField("upstream", trace.upstream());
      }
      if (trace.cacheOutcome() != null) {
        line.writeStringField("cache", trace.cacheOutcome());
      }
      if (trace.crossCheck() != null) {
        crossCheck(line, trace.crossCheck());
      }
      line.writeNumberField("duration_ms", Math.round(nanos / 1000.0) / 1000.0);
      line.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("a StringWriter does not fail", e);
    }
    return text.toString();
  }

  /** The answer cross-check's verdict, and every upstream's answer when they did not simply agree. */
  private static void crossCheck(JsonGenerator line, QueryTrace.CrossCheckNote note) throws IOException {
    line.writeObjectFieldStart("crosscheck");
    line.writeStringField("result", note.result());
    line.writeStringField("action", note.action());
    if (!note.answers().isEmpty()) {
      line.writeObjectFieldStart("answers");
      for (var answer : note.answers().entrySet()) {
        line.writeStringField(answer.getKey(), answer.getValue());
      }
      line.writeEndObject();
    }
    line.writeEndObject();
  }

  private void drain() {
    try {
      while (!closed || !lines.isEmpty()) {
        String line = lines.poll(200, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        out.write(line);
        out.write('\n');
        if (lines.isEmpty()) {
          out.flush();
        }
      }
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      closed = true; // stdout is gone; the proxy goes on answering
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
