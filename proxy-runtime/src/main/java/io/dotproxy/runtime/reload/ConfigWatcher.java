package io.dotproxy.runtime.reload;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back when the config file may have changed. It watches the file's directory rather than
 * the file, because Kubernetes updates a ConfigMap volume by swapping a {@code ..data} symlink and
 * editors replace files by renaming; and it also calls back every {@code pollInterval}, because
 * some file systems deliver no events. The callback decides whether anything really changed.
 */
public final class ConfigWatcher implements AutoCloseable {

  /** Lets a burst of events (a symlink swap is several) settle into one reload. */
  static final Duration SETTLE = Duration.ofMillis(100);

  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path directory;
  private final Duration pollInterval;
  private final Runnable onPossibleChange;
  private final Thread thread;
  private volatile boolean closed;

  public ConfigWatcher(Path file, Duration pollInterval, Runnable onPossibleChange) {
    this.directory = file.toAbsolutePath().getParent();
    this.pollInterval = pollInterval;
    this.onPossibleChange = onPossibleChange;
    this.thread = new Thread(this::run, "dotproxy-config-watch");
    this.thread.setDaemon(true);
  }

  public ConfigWatcher start() {
    thread.start();
    return this;
  }

  private void run() {
    try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
      directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
      while (!closed) {
        WatchKey key = watcher.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          Thread.sleep(SETTLE.toMillis());
          key.pollEvents();
          key.reset();
          drain(watcher);
        }
        check();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warn("cannot watch {} ({}); checking it every {} instead", directory, e.getMessage(), pollInterval);
      pollOnly();
    }
  }

  private static void drain(WatchService watcher) {
    WatchKey more;
    while ((more = watcher.poll()) != null) {
      more.pollEvents();
      more.reset();
    }
  }

  private void pollOnly() {
    while (!closed) {
      try {
        Thread.sleep(pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      check();
    }
  }

  private void check() {
    if (closed) {
      return;
    }
    try {
      onPossibleChange.run();
    } catch (RuntimeException e) {
      log.warn("config reload failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
