package io.dotproxy.operator.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * HTTP on the operator's port (8080): /healthz (liveness), /readyz (readiness) and /metrics.
 *
 * <p>Liveness only asks whether the operator started, because a replica waiting for the leader Lease has
 * no running informers and must not be restarted for it. What readiness asks is up to the caller
 * ({@link DotproxyOperator}).
 */
public final class HealthAndMetricsServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  private HealthAndMetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static HealthAndMetricsServer start(
      int port, BooleanSupplier live, BooleanSupplier ready, PrometheusMeterRegistry registry) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
      ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "dotproxy-http");
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(executor);
      server.createContext("/healthz", ex -> probe(ex, live));
      server.createContext("/readyz", ex -> probe(ex, ready));
      server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
      server.start();
      return new HealthAndMetricsServer(server, executor);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ready\n");
  }

  private static void respond(HttpExchange exchange, int code, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
