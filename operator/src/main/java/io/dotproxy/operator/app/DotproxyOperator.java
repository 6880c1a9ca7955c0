package io.dotproxy.operator.app;

import io.dotproxy.operator.reconciler.DnsOverTlsProxyReconciler;
import io.dotproxy.operator.reconciler.ProxyWorkflow;
import io.dotproxy.operator.events.EventRecorder;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.network.ClusterRanges;
import io.dotproxy.operator.status.FleetStatusMetrics;
import io.dotproxy.operator.status.UninjectedPodsMetric;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.webhook.SidecarWebhook;
import io.dotproxy.operator.webhook.tls.CertificateLifetimes;
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
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running operator: JOSDK with our reconciler, the Sidecar-mode injection webhook, and the health
 * and metrics endpoint.
 *
 * <p>Readiness ({@code /readyz}) is: started, the webhook (when enabled) answering, and, in the replica
 * that reconciles, every informer healthy. A standby replica (waiting for the Lease) is ready as soon as
 * its webhook is: it serves admissions, so the webhook Service keeps endpoints through a failover, and
 * a rolling update of the operator's Deployment is not held up by a replica that can never lead.
 *
 * <p>Stopping drains the webhook first: {@code /readyz} turns 503 at once, so the Service's endpoints
 * drop this replica, but admissions are still answered for the drain period, because the endpoints
 * controller and every API server learn of that asynchronously and keep sending pods here meanwhile;
 * with {@code failurePolicy: Ignore} a refused connection would create them without the proxy.
 */
public final class DotproxyOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DotproxyOperator.class);

  /** The JDK HTTP server's idle-connection timeout, in seconds. */
  static final String IDLE_INTERVAL_PROPERTY = "sun.net.httpserver.idleInterval";

  private final Operator operator;
  private final HealthAndMetricsServer http;
  private final Optional<SidecarWebhook> webhook;
  private final StopIntent stopIntent;
  private final Duration drainPeriod;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final EventRecorder events;

  private DotproxyOperator(Operator operator, HealthAndMetricsServer http, Optional<SidecarWebhook> webhook,
      StopIntent stopIntent, Duration drainPeriod, EventRecorder events) {
    this.operator = operator;
    this.events = events;
    this.http = http;
    this.webhook = webhook;
    this.stopIntent = stopIntent;
    this.drainPeriod = drainPeriod;
  }

  /** Tells a lease lost to another replica apart from the release during our own shutdown. */
  private static final class StopIntent {
    private volatile boolean stopping;
    /** Whether this replica reconciles: it holds the Lease, or leader election is off. */
    private volatile boolean leading;
  }

  public static DotproxyOperator start(OperatorSettings settings, KubernetesClient client) {
    return start(settings, client, Clock.systemUTC(), CertificateLifetimes.DEFAULTS);
  }

  /**
   * @param clock the webhook certificates' notion of now
   * @param lifetimes how long the operator's own webhook certificates live (operator mode)
   */
  public static DotproxyOperator start(
      OperatorSettings settings, KubernetesClient client, Clock clock, CertificateLifetimes lifetimes) {
    // The API server keeps webhook connections open for up to 90 s between requests; the JDK's HTTP
    // server closes idle ones after 30 s by default, which can race with a request already on its way.
    // Read when the JDK's server first starts, so it is set before any of ours do.
    if (System.getProperty(IDLE_INTERVAL_PROPERTY) == null) {
      System.setProperty(IDLE_INTERVAL_PROPERTY, "120");
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);

    EventRecorder events = new EventRecorder(client, Clock.systemUTC());
    // Read once: the webhook and the fleet both decide what the API server accepts from it.
    Optional<ClusterCapabilities.Version> version = ClusterCapabilities.Version.read(client);
    // First, so that a webhook that cannot start (port taken, version unreadable) leaves nothing running.
    Optional<SidecarWebhook> webhook = settings.webhook().enabled()
        ? Optional.of(SidecarWebhook.start(client, version, settings.webhook(), settings.sidecar(), settings.watchNamespaces(),
            settings.proxyImage(), registry, clock, lifetimes, new ProxyEvents(events)))
        : Optional.empty();
    StopIntent stopIntent = new StopIntent();
    stopIntent.leading = !settings.leaderElection();
    Operator operator = new Operator(o -> configure(o, settings, client, registry, stopIntent));
    FleetCapabilities fleet = FleetCapabilities.of(version);
    var reconciler = new DnsOverTlsProxyReconciler(
        new ProxyWorkflow(settings, fleet, ClusterRanges.servedOn(version)), Clock.systemUTC(), new UninjectedPodsMetric(registry),
        new FleetStatusMetrics(registry), new ProxyEvents(events));
    HealthAndMetricsServer http = null;
    try {
      operator.register(reconciler, c -> {
        if (settings.watchNamespaces().isEmpty()) {
          c.watchingAllNamespaces();
        } else {
          c.settingNamespaces(settings.watchNamespaces());
        }
        // A safety net: trustedCA ConfigMaps are watched and Secrets polled, so rotations do not wait for it.
        c.withReconciliationMaxInterval(settings.resyncInterval());
      });
      http = HealthAndMetricsServer.start(
          settings.httpPort(),
          // JOSDK reports not started once stopped, but a draining replica must not be restarted.
          () -> stopIntent.stopping || operator.getRuntimeInfo().isStarted(),
          () -> !stopIntent.stopping
              && operator.getRuntimeInfo().isStarted()
              && webhook.map(SidecarWebhook::isReady).orElse(true)
              && (!stopIntent.leading || operator.getRuntimeInfo().allEventSourcesAreHealthy()),
          registry);
      operator.start();
    } catch (RuntimeException e) {
      webhook.ifPresent(SidecarWebhook::close);
      if (http != null) {
        http.close();
      }
      events.close();
      throw e;
    }
    log.info(
        "dotproxy operator {} watching {}, leader election {}, proxy image {}, {} pod network, {}, CoreDNS patch {}, http :{}, {}",
        OperatorSettings.version(),
        settings.watchNamespaces().isEmpty() ? "all namespaces" : settings.watchNamespaces(),
        settings.leaderElection() ? "on" : "off",
        settings.proxyImage(),
        settings.ipFamilies(),
        fleet.describe(),
        settings.coreDnsPatch() ? "at " + settings.coreDns() : "off",
        http.port(),
        webhook.map(SidecarWebhook::description).orElse("webhook off"));
    return new DotproxyOperator(operator, http, webhook, stopIntent, settings.webhook().drainPeriod(), events);
  }

  /**
   * Plain updates and JSON patches everywhere instead of server-side apply; README.md explains
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
              .withLeaderCallbacks(new LeaderCallbacks(
                  () -> stopIntent.leading = true, () -> exitUnlessStopping(stopIntent), leader -> {}))
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

  /** The injection webhook, unless --webhook-enabled false. */
  public Optional<SidecarWebhook> webhook() {
    return webhook;
  }

  /** Blocks until {@link #close()} has run, e.g. from the shutdown hook. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops the operator: {@code /readyz} answers 503 from here on; reconciliation stops at once; the
   * webhook answers admissions until the drain period (counted from this call) is over, then closes.
   * {@code /healthz} answers throughout, so the kubelet does not kill a draining replica.
   *
   * <p>Reconciliation stops first, not after the drain, because only the webhook has callers that cannot
   * know yet that this replica is going. The Lease is not renewed from then on, so a standby's takeover
   * (when the Lease expires) is not delayed by the drain.
   */
  @Override
  public void close() {
    long drainEnd = System.nanoTime() + drainPeriod.toNanos();
    stopIntent.stopping = true;
    try {
      operator.stop();
    } finally {
      try {
        webhook.ifPresent(w -> drain(drainEnd));
      } finally {
        webhook.ifPresent(SidecarWebhook::close);
        http.close();
        events.close();
        stopped.countDown();
      }
    }
  }

  private static void drain(long drainEnd) {
    long left = drainEnd - System.nanoTime();
    if (left <= 0) {
      return;
    }
    log.info("stopping: /readyz answers 503; the webhook answers admissions for {} ms more", left / 1_000_000);
    try {
      TimeUnit.NANOSECONDS.sleep(left);
    } catch (InterruptedException e) {
      // Whoever interrupts wants the process gone now; the rest of the shutdown still runs.
      Thread.currentThread().interrupt();
    }
  }
}
