package io.dotproxy.operator.app;

import io.dotproxy.operator.reconciler.DnsOverTlsProxyReconciler;
import io.dotproxy.operator.reconciler.ProxyWorkflow;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running operator: JOSDK with our reconciler, plus the health and metrics endpoint. */
public final class DotproxyOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DotproxyOperator.class);

  private final Operator operator;
  private final HealthAndMetricsServer http;
  private final StopIntent stopIntent;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private DotproxyOperator(Operator operator, HealthAndMetricsServer http, StopIntent stopIntent) {
    this.operator = operator;
    this.http = http;
    this.stopIntent = stopIntent;
  }

  /** Tells a lease lost to another replica apart from the release during our own shutdown. */
  private static final class StopIntent {
    private volatile boolean stopping;
  }

  public static DotproxyOperator start(OperatorSettings settings, KubernetesClient client) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);

    StopIntent stopIntent = new StopIntent();
    Operator operator = new Operator(o -> configure(o, settings, client, registry, stopIntent));
    var reconciler = new DnsOverTlsProxyReconciler(
        new ProxyWorkflow(settings.proxyImage(), settings.coreDns(), settings.sidecar()), Clock.systemUTC());
    operator.register(reconciler, c -> {
      if (settings.watchNamespaces().isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(settings.watchNamespaces());
      }
      // Periodic reconciliation picks up rotated trustedCA bundles, which are read, not watched.
      c.withReconciliationMaxInterval(settings.resyncInterval());
    });
    HealthAndMetricsServer http = HealthAndMetricsServer.start(settings.httpPort(), operator, registry);
    operator.start();
    log.info(
        "dotproxy operator {} watching {}, leader election {}, proxy image {}, CoreDNS at {}, http :{}",
        OperatorSettings.version(),
        settings.watchNamespaces().isEmpty() ? "all namespaces" : settings.watchNamespaces(),
        settings.leaderElection() ? "on" : "off",
        settings.proxyImage(),
        settings.coreDns(),
        http.port());
    return new DotproxyOperator(operator, http, stopIntent);
  }

  /**
   * Plain updates and JSON patches everywhere instead of server-side apply; README-operator.md explains
   * why ("Writes without server-side apply").
   */
  private static void configure(
      ConfigurationServiceOverrider o,
      OperatorSettings settings,
      KubernetesClient client,
      PrometheusMeterRegistry registry,
      StopIntent stopIntent) {
    o.withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build());
    if (settings.leaderElection()) {
      String namespace = settings.leaseNamespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
      o.withLeaderElectionConfiguration(
          LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
              .withLeaseNamespace(namespace)
              // JOSDK would also exit when we release the lease ourselves while shutting down.
              .withExitOnStopLeading(false)
              .withLeaderCallbacks(new LeaderCallbacks(() -> {}, () -> exitUnlessStopping(stopIntent), leader -> {}))
              .build());
    }
  }

  private static void exitUnlessStopping(StopIntent stopIntent) {
    if (!stopIntent.stopping) {
      // Another replica holds the lease now; carrying on would mean two operators writing at once.
      log.error("lost the leader Lease; exiting so that only the new leader reconciles");
      System.exit(1);
    }
  }

  public int httpPort() {
    return http.port();
  }

  /** Blocks until {@link #close()} has run, e.g. from the shutdown hook. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    stopIntent.stopping = true;
    try {
      operator.stop();
    } finally {
      http.close();
      stopped.countDown();
    }
  }
}
