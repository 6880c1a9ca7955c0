package io.dotproxy.runtime;

import io.dotproxy.runtime.config.ConfigException;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ConfigSchema;
import io.dotproxy.runtime.config.CrossCheckSettings;
import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.crosscheck.CrossCheck;
import io.dotproxy.runtime.logging.LogOutput;
import io.dotproxy.runtime.metrics.BuildInfo;
import io.dotproxy.runtime.upstream.UpstreamTls;
import io.dotproxy.runtime.transport.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar proxy-runtime.jar [flags]}: exit 2 on invalid settings, 1 if it cannot start.
 * {@code --check-config} only validates the settings.
 */
public final class Main {

  static final int EXIT_INVALID_CONFIG = 2;
  /** Validates the settings (flags, environment, file) and exits: 0 if valid, 2 with the error if not. */
  static final String CHECK_CONFIG = "--check-config";
  static final int EXIT_CANNOT_START = 1;

  private Main() {}

  /**
   * Netty's JFR events (allocator chunks) stay off unless this property says otherwise: their event
   * classes register with the flight recorder when first used, which starts its metadata repository,
   * about 60 ms of the start-up, for events that only a running recording would read.
   */
  static final String NETTY_JFR = "io.netty.jfr.enabled";

  public static void main(String[] args) {
    // before any Netty class reads it
    System.getProperties().putIfAbsent(NETTY_JFR, "false");
    List<String> arguments = List.of(args);
    if (arguments.contains("--help") || arguments.contains("-h")) {
      System.out.println(ConfigLoader.usage());
      return;
    }
    if (arguments.contains("--version")) {
      // The schema tells an operator or a person which config files this build reads (docs/how-to/upgrade.md).
      System.out.println("dotproxy " + version() + " (config schema " + ConfigSchema.CURRENT + ")");
      return;
    }
    boolean checkOnly = arguments.contains(CHECK_CONFIG);
    if (!checkOnly) {
      // Loading BoringSSL, the JDK's TLS classes and its root certificates needs no settings: on a
      // second core it overlaps the reading of the settings, and the upstreams' TLS set-up and first
      // handshake then find it done. Logging is set up first, so that what Netty logs meanwhile is
      // not queued and replayed with SLF4J's warning.
      LoggerFactory.getILoggerFactory();
      Thread tlsLoader = new Thread(UpstreamTls::loadTlsAhead, "dotproxy-tls-load");
      tlsLoader.setDaemon(true);
      tlsLoader.start();
    }
    ConfigLoader loader;
    ProxyConfig config;
    try {
      loader = ConfigLoader.of(arguments.stream().filter(a -> !a.equals(CHECK_CONFIG)).toList(), System.getenv());
      config = loader.load();
    } catch (ConfigException e) {
      System.err.println("dotproxy: " + e.getMessage());
      System.exit(EXIT_INVALID_CONFIG);
      return;
    }
    if (checkOnly) {
      // As unbound-checkconf: the same validation as a start, then exit without binding anything.
      System.out.println("dotproxy: no errors in " + config.configFile().map(f -> f.toString())
          .orElse("the flags and environment"));
      return;
    }
    LogOutput.apply(config.logFormat(), config.logLevel());
    Logger log = LoggerFactory.getLogger(Main.class);
    // Handled before the sockets are bound: the proxy answers from the moment they are, and a stop
    // signal from then on must drain (exit 0), not kill the JVM with 143.
    CompletableFuture<ProxyServer> started = new CompletableFuture<>();
    StopSignals.onFirst(() -> {
      ProxyServer running = started.join();
      log.info("draining for {} before stopping (a second signal stops at once)",
          config.drainPeriod());
      running.drainAndClose();
      log.info("stopped");
      System.exit(0);
    }, () -> started.thenAccept(ProxyServer::stopDraining));
    ProxyServer server;
    try {
      server = ProxyServer.start(config, loader, Transport.detect());
    } catch (Exception e) {
      System.err.println("dotproxy: cannot start: " + e.getMessage());
      System.exit(EXIT_CANNOT_START);
      return;
    }
    started.complete(server);
    log.info("dotproxy {} listening on {} (udp+tcp, {}); upstreams {} (policy {}, trust {}, tls {});"
            + " admin http://{}",
        version(), addresses(server.listenAddresses()), server.transport().name(),
        config.upstreams().stream().map(UpstreamSpec::toString).collect(Collectors.joining(", ")),
        policy(config),
        config.caFile().map(Object::toString).orElse("system store"),
        UpstreamTls.providerName(),
        addresses(List.of(server.adminAddress())));
    warnOfOneOperator(config, log);
  }

  /** The policy, and the cross-check's settings when it is on. */
  private static String policy(ProxyConfig config) {
    CrossCheckSettings check = config.crossCheck();
    if (!check.enabled()) {
      return config.policy().configName();
    }
    return config.policy().configName() + ", cross-check " + check.upstreams() + " upstreams "
        + CrossCheckSettings.nameOf(check.compare()) + " on-mismatch " + CrossCheckSettings.nameOf(check.onMismatch())
        + " on-unverified " + CrossCheckSettings.nameOf(check.onUnverified());
  }

  /** Upstreams of one operator answer alike, so a cross-check among them tells little. */
  private static void warnOfOneOperator(ProxyConfig config, Logger log) {
    Set<String> operators = config.upstreams().stream().map(CrossCheck::operatorOf).collect(Collectors.toSet());
    if (config.crossCheck().enabled() && operators.size() < config.crossCheck().upstreams()) {
      log.warn("cross-check asks {} upstreams per query but they belong to only {} operator(s) by their TLS names"
          + " ({}): answers of one operator are compared with each other", config.crossCheck().upstreams(),
          operators.size(), String.join(", ", new TreeSet<>(operators)));
    }
  }

  private static String addresses(List<InetSocketAddress> bound) {
    return bound.stream()
        .map(a -> new HostPort(a.getAddress(), a.getPort()).toString())
        .collect(Collectors.joining(", "));
  }

  static String version() {
    return BuildInfo.version();
  }
}
