package io.dotproxy.runtime.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin endpoint answers on its own thread, so a slow scrape leaves the event loops free. */
class AdminServerTest {

  @Test
  void aScrapeInProgressDoesNotHoldTheEventLoop() throws Exception {
    CountDownLatch scraping = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register((MultiCollector) () -> {
      scraping.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return MetricSnapshots.of();
    });
    Transport transport = Transport.detect();
    // One loop: were the scrape on it, the task below could not run until the scrape ended.
    EventLoopGroup loop = transport.newEventLoopGroup(1, "admin-test");
    try (AdminServer admin = AdminServer.start(new HostPort(InetAddress.getLoopbackAddress(), 0), loop, transport,
        registry, () -> new Readiness(true, java.util.List.of(), java.util.List.of()))) {
      CompletableFuture<HttpResponse<String>> scrape = HttpClient.newHttpClient().sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(scraping.await(10, TimeUnit.SECONDS)).as("the scrape started").isTrue();

      boolean loopRan = loop.submit(() -> true).await(5, TimeUnit.SECONDS);

      release.countDown();
      assertThat(loopRan).as("the event loop ran a task while the scrape was blocked").isTrue();
      assertThat(scrape.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } finally {
      release.countDown();
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
  }
}
