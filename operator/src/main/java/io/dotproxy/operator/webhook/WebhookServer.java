package io.dotproxy.operator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's HTTPS endpoint: {@code POST /mutate-pods} with an AdmissionReview.
 *
 * <p>The JDK's own HTTPS server rather than Netty: it adds nothing to the operator jar, and admission
 * traffic (one small request per labelled pod creation) is far from what would need Netty. Certificates
 * change without a restart through the {@link javax.net.ssl.X509ExtendedKeyManager} it is given, which the
 * JDK consults on every handshake.
 */
final class WebhookServer implements AutoCloseable {

  static final String PATH = "/mutate-pods";

  /** Far above any pod the API server stores (etcd's default request limit is 1.5 MiB). */
  static final int MAX_BODY = 8 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);

  private final HttpsServer server;
  private final ExecutorService executor;

  private WebhookServer(HttpsServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * @param ready whether admissions can be answered correctly yet (CR cache synced); before that the
   *     answer is 503, and the API server applies the webhook's failurePolicy
   */
  static WebhookServer start(int port, KeyManager keyManager, AdmissionReviewHandler handler, BooleanSupplier ready) {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keyManager}, null, null);
      HttpsServer server = HttpsServer.create(new InetSocketAddress(port), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters parameters = tls.getDefaultSSLParameters();
          parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
          parameters.setNeedClientAuth(false);
          params.setSSLParameters(parameters);
        }
      });
      AtomicInteger threads = new AtomicInteger();
      ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "dotproxy-webhook-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(executor);
      // Every path comes here (a context matches by prefix), so that even a wrong path gets its request
      // body read before the answer; closing a connection with unread data would reset it.
      server.createContext("/", exchange -> serve(exchange, handler, ready));
      server.start();
      return new WebhookServer(server, executor);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on webhook port " + port, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS", e);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void serve(HttpExchange exchange, AdmissionReviewHandler handler, BooleanSupplier ready) throws IOException {
    try (exchange) {
      byte[] body = read(exchange.getRequestBody());
      if (body == null) {
        text(exchange, 413, "request larger than " + MAX_BODY + " bytes\n");
        return;
      }
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        text(exchange, 404, "not found: POST " + PATH + "\n");
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        text(exchange, 405, "POST an AdmissionReview\n");
        return;
      }
      if (!ready.getAsBoolean()) {
        text(exchange, 503, "the webhook is starting\n");
        return;
      }
      byte[] answer;
      try {
        answer = handler.handle(body);
      } catch (BadAdmissionRequest e) {
        text(exchange, 400, e.getMessage() + "\n");
        return;
      } catch (RuntimeException e) {
        log.error("admission request failed", e);
        text(exchange, 500, "internal error: " + e + "\n");
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  /** The body, or null when it is larger than {@link #MAX_BODY}. */
  private static byte[] read(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY + 1);
    return body.length > MAX_BODY ? null : body;
  }

  private static void text(HttpExchange exchange, int code, String message) throws IOException {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1); // in-flight admissions get a second to finish
    executor.shutdownNow();
  }
}
