package io.dotproxy.operator.webhook;

import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.sidecar.KubeletVersionWatch;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.PodInjector;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.webhook.tls.CertificateLifetimes;
import io.dotproxy.operator.webhook.tls.CertificateSource;
import io.dotproxy.operator.webhook.tls.MountedCertificates;
import io.dotproxy.operator.webhook.tls.OperatorManagedCertificates;
import io.dotproxy.operator.webhook.tls.ReloadingKeyManager;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.dotproxy.operator.events.EventRecorder;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.model.ProxyMode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sidecar mode's mutating admission webhook: HTTPS endpoint, CR cache, certificates, all in one.
 *
 * <p>Runs in every replica, independently of leader election, so that the webhook keeps answering while
 * the Lease changes hands.
 */
public final class SidecarWebhook implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SidecarWebhook.class);

  /** How often the operator-mode Secret and caBundle are checked (renewal is due months ahead). */
  static final Duration OPERATOR_CERT_CHECK = Duration.ofMinutes(1);

  /** How often mounted certificate files are read again (the kubelet syncs Secrets about every minute). */
  static final Duration MOUNTED_CERT_CHECK = Duration.ofSeconds(10);

  /** How soon a failed refresh is tried again while no certificate is presented. */
  static final Duration RETRY = Duration.ofSeconds(5);

  static final String NATIVE_SIDECARS_METRIC = "dotproxy.operator.native.sidecars";

  private final ProxyInformerCache proxies;
  private final Optional<KubeletVersionWatch> kubelets;
  private final CertificateSource certificates;
  private final ScheduledExecutorService scheduler;
  private final WebhookServer server;
  private final String description;

  private SidecarWebhook(ProxyInformerCache proxies, Optional<KubeletVersionWatch> kubelets, CertificateSource certificates,
      ScheduledExecutorService scheduler, WebhookServer server, String description) {
    this.proxies = proxies;
    this.kubelets = kubelets;
    this.certificates = certificates;
    this.scheduler = scheduler;
    this.server = server;
    this.description = description;
  }

  /**
   * @param watchNamespaces the reconciler's namespaces (empty: all); only CRs there are used
   * @param defaultImage proxy image for CRs without spec.image
   */
  public static SidecarWebhook start(
      KubernetesClient client,
      WebhookSettings settings,
      SidecarSettings sidecar,
      Set<String> watchNamespaces,
      String defaultImage,
      MeterRegistry registry,
      Clock clock,
      CertificateLifetimes lifetimes) {
    return start(client, ClusterCapabilities.Version.read(client), settings, sidecar, watchNamespaces, defaultImage,
        registry, clock, lifetimes, new ProxyEvents(EventRecorder.none()));
  }

  /**
   * @param version the API server's version, as the operator read it once at start-up
   * @param events where pods left without their proxy are recorded (InjectionSkipped)
   */
  public static SidecarWebhook start(
      KubernetesClient client,
      Optional<ClusterCapabilities.Version> version,
      WebhookSettings settings,
      SidecarSettings sidecar,
      Set<String> watchNamespaces,
      String defaultImage,
      MeterRegistry registry,
      Clock clock,
      CertificateLifetimes lifetimes,
      ProxyEvents events) {
    String namespace = settings.operatorNamespace()
        .orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    ClusterCapabilities fromApiServer = capabilities(version, sidecar.nativeSidecars());
    Optional<KubeletVersionWatch> kubelets = sidecar.nativeSidecars() == NativeSidecars.AUTO
        ? Optional.of(KubeletVersionWatch.start(client, version.orElseThrow(), fromApiServer, registry))
        : Optional.empty();
    ProxyInformerCache proxies = ProxyInformerCache.start(client, watchNamespaces);
    ReloadingKeyManager keyManager = new ReloadingKeyManager(rotated -> proxies.all().stream()
        .filter(proxy -> proxy.getSpec() != null && proxy.getSpec().getMode() == ProxyMode.SIDECAR)
        .forEach(proxy -> events.webhookCertificateRotated(proxy, rotated.leaf())));
    CertificateSource certificates = switch (settings.certMode()) {
      case OPERATOR -> new OperatorManagedCertificates(client, namespace, settings.secretName(), settings.configName(),
          settings.certificateNames(namespace, sidecar.clusterDomain()), lifetimes, clock, keyManager);
      case EXTERNAL -> new MountedCertificates(settings.certDir(), keyManager);
    };
    Supplier<ClusterCapabilities> capabilities = kubelets.<Supplier<ClusterCapabilities>>map(k -> k).orElse(() -> fromApiServer);
    Gauge.builder(NATIVE_SIDECARS_METRIC, capabilities, c -> c.get().nativeSidecars() ? 1 : 0)
        .description("1 while the proxy is injected as a native sidecar, 0 while as a plain container")
        .strongReference(true)
        .register(registry);
    keyManager.registerExpiryMetric(registry);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dotproxy-webhook-certificates");
      t.setDaemon(true);
      return t;
    });
    Duration every = settings.certMode() == CertMode.OPERATOR ? OPERATOR_CERT_CHECK : MOUNTED_CERT_CHECK;
    scheduler.scheduleWithFixedDelay(new Refresher(certificates, every), 0, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    PodInjector injector = new PodInjector(proxies, defaultImage, capabilities, sidecar.clusterDomain(), namespace);
    WebhookServer server;
    try {
      server = WebhookServer.start(settings.port(), keyManager, new AdmissionReviewHandler(injector, registry, proxies, events),
          () -> proxies.hasSynced() && certificates.hasIdentity());
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      proxies.close();
      kubelets.ifPresent(KubeletVersionWatch::close);
      throw e;
    }
    String description = "webhook https :" + server.port() + WebhookServer.PATH + " (certificates: "
        + (settings.certMode() == CertMode.OPERATOR
            ? "operator, Secret " + namespace + "/" + settings.secretName() + ", caBundle of " + settings.configName()
            : "external, " + settings.certDir())
        + "; " + (kubelets.isPresent() ? "native sidecars when the API server and every Linux node's kubelet are 1.29+"
            : fromApiServer.nativeSidecars() ? "native sidecars" : "plain containers") + ")";
    return new SidecarWebhook(proxies, kubelets, certificates, scheduler, server, description);
  }

  /**
   * Native sidecars need Kubernetes 1.29; the API server's version is read once, at startup. An
   * unreadable version stops the operator in auto mode (guessing wrong either way breaks pods) and falls
   * back to the conservative DNS limits otherwise. In auto mode the nodes' kubelets have their say too
   * ({@link KubeletVersionWatch}, which logs its choice).
   */
  static ClusterCapabilities capabilities(Optional<ClusterCapabilities.Version> version, NativeSidecars mode) {
    ClusterCapabilities capabilities = ClusterCapabilities.of(version, mode);
    if (mode != NativeSidecars.AUTO) {
      log.info("Kubernetes {}: the proxy is injected as a {} (--native-sidecars {})",
          version.map(Object::toString).orElse("(version unknown)"),
          capabilities.nativeSidecars() ? "native sidecar (init container with restartPolicy Always)" : "plain container",
          mode.name().toLowerCase());
    }
    return capabilities;
  }

  /**
   * Refreshes every {@code every}; until a certificate is presented (the API server was unreachable, the
   * files are not mounted yet) it tries every {@link #RETRY}, because the webhook is not ready before.
   */
  private static final class Refresher implements Runnable {

    private final CertificateSource certificates;
    private final long everyNanos;
    private long lastAttempt;

    Refresher(CertificateSource certificates, Duration every) {
      this.certificates = certificates;
      this.everyNanos = every.toNanos();
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      if (certificates.hasIdentity() && now - lastAttempt < everyNanos) {
        return;
      }
      lastAttempt = now;
      try {
        certificates.refresh();
      } catch (RuntimeException e) {
        long retrySeconds = certificates.hasIdentity() ? everyNanos / 1_000_000_000L : RETRY.toSeconds();
        log.warn("webhook certificates not refreshed, trying again in {} s: {}", retrySeconds, e.toString());
      }
    }
  }

  /** Checks the certificates now instead of at the next scheduled check. */
  public void refreshCertificates() {
    certificates.refresh();
  }

  /**
   * Whether admissions are answered: certificate presented, CR cache synced and, with
   * {@code --native-sidecars auto}, the nodes read (or found unreadable).
   */
  public boolean isReady() {
    return certificates.hasIdentity() && proxies.hasSynced() && kubelets.map(KubeletVersionWatch::hasDecided).orElse(true);
  }

  /** With {@code --native-sidecars auto}, what the nodes' kubelets decide. */
  public Optional<KubeletVersionWatch> kubelets() {
    return kubelets;
  }

  public int port() {
    return server.port();
  }

  public String description() {
    return description;
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      scheduler.shutdownNow();
      proxies.close();
      kubelets.ifPresent(KubeletVersionWatch::close);
    }
  }
}
