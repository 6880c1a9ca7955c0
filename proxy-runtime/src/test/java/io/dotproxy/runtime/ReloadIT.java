package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.ConfigSchema;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SteadyTraffic;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The config file changes while queries flow: applied without restart, and no query is lost. */
class ReloadIT {

  static final TestPki PKI = TestPki.newCa();

  @TempDir Path dir;

  @Test
  void upstreamCacheAndForwardZoneChangesApplyUnderTrafficWithoutLosingAQuery() throws Exception {
    Path ca = PKI.issue().writePem(dir).caCertificate();
    try (FakeDotServer first = new FakeDotServer(PKI.issue());
         FakeDotServer second = new FakeDotServer(PKI.issue());
         UnboundServer internal = UnboundServer.plain().zone(SyntheticZone.staticZone("corp.internal.")
             .record("host.corp.internal. 60 IN A 10.1.2.3")).start()) {
      Path config = dir.resolve("config.yaml");
      write(config, yaml(first.port(), ca, 100, null));
      try (RunningProxy proxy = RunningProxy.start("--config", config.toString());
           SteadyTraffic traffic = new SteadyTraffic(proxy.address())) {
        assertThat(eventually(() -> first.queriesReceived() > 20)).isTrue();

        write(config, yaml(second.port(), ca, 10, "corp.internal=127.0.0.1:" + internal.port()));
        assertThat(eventually(() -> second.queriesReceived() > 20)).as("new upstream in use").isTrue();
        int firstAfterSwitch = first.queriesReceived();
        Thread.sleep(300);
        assertThat(first.queriesReceived()).as("old upstream no longer used").isEqualTo(firstAfterSwitch);

        Message internalName = proxy.udp(DnsClient.query("host.corp.internal.", Type.A));
        assertThat(internalName.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(internalName.getSection(org.xbill.DNS.Section.ANSWER).get(0).rdataToString()).isEqualTo("10.1.2.3");
        // The cache's evictions run in its maintenance cycle, so the new bound holds soon, not at once.
        assertThat(eventually(() -> cacheEntries(proxy) <= 10)).as("cache shrunk to 10 entries").isTrue();

        traffic.stop();
        System.out.printf("[reload under load] sent %d, failed or lost %d (upstream switched, cache shrunk, "
            + "forward zone added)%n", traffic.sent(), traffic.failed());
        assertThat(traffic.sent()).as("traffic flowed across both reloads").isGreaterThan(20);
        assertThat(traffic.failed()).as("queries lost or failed across reloads").isZero();
        assertThat(reloads(proxy, "success")).isEqualTo(1);
      }
    }
  }

  @Test
  void anInvalidFileIsRejectedOnceAndTheRunningConfigStays() throws Exception {
    Path ca = PKI.issue().writePem(dir).caCertificate();
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue())) {
      Path config = dir.resolve("config.yaml");
      write(config, yaml(upstream.port(), ca, 100, null));
      try (RunningProxy proxy = RunningProxy.start("--config", config.toString())) {
        write(config, "upstream: [\"not-an-address\"]\n");
        assertThat(eventually(() -> reloads(proxy, "error") == 1)).isTrue();
        Thread.sleep(ProxyServer.CONFIG_POLL_INTERVAL.toMillis() + 500);
        assertThat(reloads(proxy, "error")).as("counted once, not on every check").isEqualTo(1);
        assertThat(proxy.udp(DnsClient.query("still.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(upstream.queriesReceived()).isEqualTo(1);
      }
    }
  }

  @Test
  void aFileOfANewerSchemaMajorIsRejectedAndTheRunningConfigStays() throws Exception {
    // What an operator upgrade that renders a config schema this runtime does not read looks like.
    Path ca = PKI.issue().writePem(dir).caCertificate();
    try (FakeDotServer kept = new FakeDotServer(PKI.issue());
         FakeDotServer offered = new FakeDotServer(PKI.issue())) {
      Path config = dir.resolve("config.yaml");
      write(config, yaml(kept.port(), ca, 0, null));
      try (RunningProxy proxy = RunningProxy.start("--config", config.toString())) {
        int nextMajor = ConfigSchema.CURRENT.major() + 1;
        write(config, "version: \"" + nextMajor + ".0\"\n" + yaml(offered.port(), ca, 0, null));
        assertThat(eventually(() -> reloads(proxy, "error") == 1)).isTrue();
        assertThat(proxy.udp(DnsClient.query("kept.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(kept.queriesReceived()).as("the running config still answers").isEqualTo(1);
        assertThat(offered.queriesReceived()).isZero();
        assertThat(reloads(proxy, "success")).isZero();

        // The same settings in the runtime's own schema are applied: only the version was refused.
        write(config, "version: \"" + ConfigSchema.CURRENT + "\"\n" + yaml(offered.port(), ca, 0, null));
        assertThat(eventually(() -> reloads(proxy, "success") == 1)).isTrue();
        assertThat(proxy.udp(DnsClient.query("offered.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(offered.queriesReceived()).isEqualTo(1);
      }
    }
  }

  @Test
  void aKubernetesConfigMapSymlinkSwapIsNoticed() throws Exception {
    Path ca = PKI.issue().writePem(dir).caCertificate();
    try (FakeDotServer first = new FakeDotServer(PKI.issue());
         FakeDotServer second = new FakeDotServer(PKI.issue())) {
      Path volume = Files.createDirectory(dir.resolve("volume"));
      swapConfigMap(volume, "v1", yaml(first.port(), ca, 0, null));
      Files.createSymbolicLink(volume.resolve("config.yaml"), Path.of("..data/config.yaml"));
      try (RunningProxy proxy = RunningProxy.start("--config", volume.resolve("config.yaml").toString())) {
        assertThat(proxy.udp(DnsClient.query("one.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(first.queriesReceived()).isEqualTo(1);
        swapConfigMap(volume, "v2", yaml(second.port(), ca, 0, null));
        assertThat(eventually(() -> reloads(proxy, "success") == 1)).isTrue();
        assertThat(proxy.udp(DnsClient.query("two.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(second.queriesReceived()).isEqualTo(1);
      }
    }
  }

  /** What the kubelet does: a new timestamped directory, then an atomic rename of ..data. */
  private static void swapConfigMap(Path volume, String version, String content) throws Exception {
    Path data = Files.createDirectory(volume.resolve("..2026_" + version));
    Files.writeString(data.resolve("config.yaml"), content);
    Path temporary = volume.resolve("..data_tmp");
    Files.createSymbolicLink(temporary, data.getFileName());
    Files.move(temporary, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String yaml(int upstreamPort, Path ca, int cacheSize, String forwardZone) {
    return """
        upstream: ["127.0.0.1@%d#dot.test"]
        ca-file: %s
        cache-size: %d
        %s
        """.formatted(upstreamPort, ca, cacheSize, forwardZone == null ? "" : "forward-zone: [\"" + forwardZone + "\"]");
  }

  /** Replaces the file by rename, as editors and config tools do, so a reader never sees half. */
  private void write(Path file, String content) throws Exception {
    Path temporary = Files.createTempFile(dir, "config", ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static double reloads(RunningProxy proxy, String result) {
    try {
      return proxy.metric("dotproxy_config_reloads_total{result=\"" + result + "\"}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static double cacheEntries(RunningProxy proxy) {
    try {
      return proxy.metric("dotproxy_cache_entries");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }
}
