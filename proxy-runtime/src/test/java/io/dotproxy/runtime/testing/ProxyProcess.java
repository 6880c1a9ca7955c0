package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The proxy as users run it: {@code java [JVM flags] -jar target/proxy-runtime.jar [flags]} in a
 * child process on loopback ports, its log (stderr) in a file. Stdout, where the query log goes, is
 * a pipe this class never reads unless asked: a stdout that nobody drains is the slowest sink there is.
 * The process is registered with {@link OwnedProcesses} and only ever stopped through its own handle.
 */
public final class ProxyProcess implements AutoCloseable {

  private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

  private final Process process;
  private final InetSocketAddress address;
  private final int adminPort;
  private final Path log;

  private ProxyProcess(Process process, InetSocketAddress address, int adminPort, Path log) {
    this.process = process;
    this.address = address;
    this.adminPort = adminPort;
    this.log = log;
  }

  /** The shaded jar {@code mvn package} builds; integration tests run after it exists. */
  public static Path jar() {
    Path jar = TestPaths.targetDir().resolve("proxy-runtime.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the integration tests through mvn verify");
    }
    return jar;
  }

  /**
   * Starts the jar with {@code jvmFlags} and {@code flags} on a free loopback port and admin port,
   * and waits (up to 20 s) until it answers a query over UDP.
   */
  public static ProxyProcess start(List<String> jvmFlags, List<String> flags, Path dir) throws Exception {
    return start(jvmFlags, flags, dir, null);
  }

  /** As {@link #start(List, List, Path)}, with stdout (the query log) written to {@code stdout}. */
  public static ProxyProcess start(List<String> jvmFlags, List<String> flags, Path dir, Path stdout)
      throws Exception {
    int port = FreePorts.pick(false);
    int adminPort = FreePorts.pick(false);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", jar().toString(),
        "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:" + adminPort));
    command.addAll(flags);
    Path log = Files.createTempFile(dir, "proxy", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    if (stdout != null) {
      builder.redirectOutput(stdout.toFile());
    }
    builder.environment().keySet().removeIf(key -> key.startsWith("DOTPROXY_"));
    ProxyProcess proxy = new ProxyProcess(OwnedProcesses.start(builder),
        new InetSocketAddress("127.0.0.1", port), adminPort, log);
    try {
      proxy.awaitAnswer(Duration.ofSeconds(20));
    } catch (Exception e) {
      proxy.close();
      throw new IllegalStateException("the proxy did not come up; its log:\n" + proxy.log(), e);
    }
    return proxy;
  }

  public InetSocketAddress address() {
    return address;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** What the proxy logged so far (stderr). */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** A query over UDP, retried every 500 ms until an answer other than SERVFAIL or {@code limit} has passed. */
  public void awaitAnswer(Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the proxy exited with " + process.exitValue());
      }
      try (DnsClient.Udp udp = DnsClient.udp(address)) {
        if (udp.exchange(DnsClient.query("ready.test.", Type.A), Duration.ofMillis(500)).getRcode()
            != Rcode.SERVFAIL) {
          return;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no answer but SERVFAIL within " + limit);
      }
      Thread.sleep(100);
    }
  }

  /** One query over UDP, one try. */
  public Message udp(Message query, Duration timeout) throws IOException {
    try (DnsClient.Udp udp = DnsClient.udp(address)) {
      return udp.exchange(query, timeout);
    }
  }

  /** Every sample of {@code /metrics}. */
  public Map<String, Double> scrape() throws IOException, InterruptedException {
    return MetricsScrape.of(adminPort);
  }

  /** One sample, 0 when absent. */
  public double metric(String sample) throws IOException, InterruptedException {
    return scrape().getOrDefault(sample, 0.0);
  }

  /** HTTP status of an admin path such as {@code /readyz}. */
  public int adminStatus(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * @param liveHeap bytes held by live objects: the total of {@code GC.class_histogram}, which
   *     collects first and then counts what is still reachable
   * @param nativeOther native memory the JVM files under "Other", where direct buffers (Netty's
   *     socket buffers) live; needs {@code -XX:NativeMemoryTracking=summary}, else -1
   */
  public record Memory(long liveHeap, long nativeOther) {}

  /** Asks the JVM, by this process's own PID, with one {@code jcmd}. */
  public Memory memory() throws IOException, InterruptedException {
    Path commands = Files.createTempFile(log.getParent(), "jcmd", ".txt");
    Files.writeString(commands, "GC.class_histogram\nVM.native_memory summary\n");
    String output = jcmd("-f", commands.toString());
    Matcher total = HISTOGRAM_TOTAL.matcher(output);
    if (!total.find()) {
      throw new IllegalStateException("unexpected GC.class_histogram output:\n" + output);
    }
    Matcher other = NMT_OTHER.matcher(output);
    return new Memory(Long.parseLong(total.group(1)), other.find() ? Long.parseLong(other.group(1)) * 1024 : -1);
  }

  private String jcmd(String... command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    List<String> line = new ArrayList<>(List.of(jcmd.toString(), Long.toString(process.pid())));
    line.addAll(List.of(command));
    Process run = new ProcessBuilder(line)
        .redirectErrorStream(true).start();
    String output = new String(run.getInputStream().readAllBytes());
    if (!run.waitFor(30, TimeUnit.SECONDS) || run.exitValue() != 0) {
      run.destroyForcibly();
      throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }

  /** SIGTERM, as Kubernetes stops a pod; the process then drains and exits by itself. */
  public void terminate() {
    process.destroy();
  }

  /** Waits for the process to exit; its exit code, or -1 if it is still running after {@code limit}. */
  public int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      return -1;
    }
    OwnedProcesses.forget(process);
    return process.exitValue();
  }

  @Override
  public void close() {
    OwnedProcesses.stop(process, 5_000);
  }
}
