package io.dotproxy.runtime.reload;

import io.dotproxy.runtime.config.ConfigException;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config when the file, or the CA bundle it names, really changed: a new valid config
 * is applied; an invalid one is rejected, logged and counted once, and the running config stays.
 */
public final class ConfigReloader {

  private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

  private final ConfigLoader loader;
  private final Path file;
  private final Consumer<ProxyConfig> apply;
  private final ProxyMetrics metrics;
  private Optional<Path> caFile;
  private byte[] seen;
  private String lastError;

  /**
   * @param running the config in force now
   * @param apply installs a new config; called on the watcher's thread
   */
  public ConfigReloader(ConfigLoader loader, Path file, ProxyConfig running,
      Consumer<ProxyConfig> apply, ProxyMetrics metrics) {
    this.loader = loader;
    this.file = file;
    this.apply = apply;
    this.metrics = metrics;
    this.caFile = running.caFile();
    this.seen = fingerprint(caFile);
  }

  /** Checks the files; applies a changed valid config, rejects an invalid one, else does nothing. */
  public synchronized void check() {
    byte[] now = fingerprint(caFile);
    if (Arrays.equals(now, seen)) {
      return;
    }
    seen = now;
    ProxyConfig next;
    try {
      next = loader.load();
    } catch (ConfigException e) {
      reject(e.getMessage());
      return;
    }
    apply.accept(next);
    caFile = next.caFile();
    seen = fingerprint(caFile);
    lastError = null;
    metrics.configReload(true);
    log.info("config reloaded from {}", file);
  }

  private void reject(String reason) {
    if (reason.equals(lastError)) {
      return; // the same problem saved twice is still one problem
    }
    lastError = reason;
    metrics.configReload(false);
    log.warn("config reload rejected, keeping the running config: {}", reason);
  }

  /** SHA-256 over the config file and the CA bundle; unreadable files count as empty. */
  private byte[] fingerprint(Optional<Path> ca) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(readOrEmpty(file));
      digest.update((byte) 0);
      if (ca.isPresent()) {
        digest.update(readOrEmpty(ca.get()));
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }

  private static byte[] readOrEmpty(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      return new byte[0];
    }
  }
}
