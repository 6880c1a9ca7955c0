package io.dotproxy.operator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The operator's health and metrics endpoint on loopback, as a kubelet's probe or Prometheus reads it. */
public final class OperatorHttp {

  private OperatorHttp() {}

  /** The status code of {@code path} (e.g. /readyz), or -1 when nothing answers. */
  public static int status(int port, String path) {
    try {
      return send(port, path, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (UncheckedIOException e) {
      return -1;
    }
  }

  /** The body of {@code path}, e.g. /metrics. */
  public static String body(int port, String path) {
    return send(port, path, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static <T> HttpResponse<T> send(int port, String path, HttpResponse.BodyHandler<T> handler) {
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(), handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
