package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FreePorts;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Kdig;
import io.dotproxy.runtime.testing.DigResult;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The runtime as users start it: a separate JVM running {@code Main} with flags. */
class MainIT {

  @TempDir Path dir;

  @Test
  void invalidSettingsExitWithCode2AndOneClearLine() throws Exception {
    Result result = run(List.of("--upstream", "1.1.1.1@99999"), Duration.ofSeconds(20));
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.stderr.strip().lines()).containsExactly(
        "dotproxy: invalid --upstream '1.1.1.1@99999': port must be a number from 1 to 65535");

    Result env = run(List.of(), Duration.ofSeconds(20), "DOTPROXY_POLICY", "fastest-ish");
    assertThat(env.exitCode).isEqualTo(2);
    assertThat(env.stderr).contains("invalid DOTPROXY_POLICY 'fastest-ish'");
  }

  @Test
  void checkConfigValidatesWithTheSameLineAsAStartAndBindsNothing() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "cache-size: 10\npolicy: random\n");
    Result started = run(List.of("--config", bad.toString()), Duration.ofSeconds(20));
    Result checked = run(List.of("--check-config", "--config", bad.toString()), Duration.ofSeconds(20));
    assertThat(checked.exitCode).isEqualTo(2).isEqualTo(started.exitCode);
    assertThat(checked.stderr.strip().lines()).singleElement().isEqualTo(started.stderr.strip())
        .satisfies(line -> assertThat(line).startsWith("dotproxy: invalid policy in " + bad));

    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Path good = Files.writeString(dir.resolve("good.yaml"), "listen: [\"127.0.0.1:" + taken.getLocalPort()
          + "\"]\nadmin: 127.0.0.1:" + taken.getLocalPort() + "\ncache-size: 10\n");
      Result valid = run(List.of("--check-config", "--config", good.toString()), Duration.ofSeconds(20));
      assertThat(valid.exitCode).as("ports in use do not matter: nothing is bound").isZero();
      assertThat(valid.stdout.strip()).isEqualTo("dotproxy: no errors in " + good);
    }
  }

  @Test
  void helpListsEveryFlag() throws Exception {
    Result result = run(List.of("--help"), Duration.ofSeconds(20));
    assertThat(result.exitCode).isZero();
    assertThat(result.stdout).contains("--listen", "--upstream", "--ca-file", "--policy", "--cache-size",
        "--forward-zone", "--admin", "--config", "--log-format", "--log-level", "--check-config");
  }

  @Test
  void servesLogsOneStartupLineAndDrainsOnSigterm() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start()) {
      int port = FreePorts.pick(false);
      int adminPort = FreePorts.pick(false);
      Path log = dir.resolve("proxy.log");
      Process process = start(List.of(
          "--listen", "127.0.0.1:" + port,
          "--admin", "127.0.0.1:" + adminPort,
          "--upstream", "127.0.0.1@" + unbound.port() + "#dot.test",
          "--ca-file", certificate.writePem(dir).caCertificate().toString(),
          "--drain-period", "2s"), log);
      try {
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", port);
        awaitAnswer(proxy, Duration.ofSeconds(20));
        DigResult kdig = Kdig.against(proxy).query("secret-name.test.", "A");
        assertThat(kdig.status()).isEqualTo("NXDOMAIN");
        assertThat(http(adminPort, "/readyz")).isEqualTo(200);
        assertThat(http(adminPort, "/livez")).isEqualTo(200);

        process.destroy(); // SIGTERM
        Thread.sleep(300);
        assertThat(http(adminPort, "/readyz")).as("not ready while draining").isEqualTo(503);
        Message during = DnsClient.udp(proxy).exchange(DnsClient.query(A_NAME, Type.A), Duration.ofSeconds(5));
        assertThat(during.getRcode()).as("still answering while draining").isEqualTo(Rcode.NOERROR);
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
      } finally {
        process.destroyForcibly();
      }
      String output = Files.readString(log);
      assertThat(output.lines().filter(l -> l.contains("listening on"))).singleElement()
          .satisfies(line -> assertThat(line).contains("127.0.0.1:" + port, "127.0.0.1@" + unbound.port() + "#dot.test",
              "tls BoringSSL")); // the native provider loads from the jar on Linux x86_64 and aarch64
      assertThat(output).doesNotContain("secret-name").doesNotContain(A_NAME);
    }
  }

  @Test
  void theQueryLogWritesJsonLinesToStdoutOnlyWhenTurnedOn() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start()) {
      int port = FreePorts.pick(false);
      Path out = dir.resolve("stdout.log");
      Path err = dir.resolve("stderr.log");
      Process process = command(List.of(
          "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:0",
          "--upstream", "127.0.0.1@" + unbound.port() + "#dot.test",
          "--ca-file", certificate.writePem(dir).caCertificate().toString(),
          "--query-log"))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", port);
        awaitAnswer(proxy, Duration.ofSeconds(20));
        DnsClient.udp(proxy).exchange(DnsClient.query("Logged.Test.", Type.AAAA), Duration.ofSeconds(5));
        DnsClient.udp(proxy).exchange(DnsClient.query("Logged.Test.", Type.AAAA), Duration.ofSeconds(5));
        process.destroy();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
      } finally {
        process.destroyForcibly();
      }
      List<String> lines = Files.readAllLines(out).stream().filter(l -> l.contains("Logged.Test.")).toList();
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0)).startsWith("{\"time\":\"").contains(
          "\"client\":\"127.0.0.1\"", "\"proto\":\"udp\"", "\"name\":\"Logged.Test.\"", "\"type\":\"AAAA\"",
          "\"rcode\":\"NXDOMAIN\"", "\"upstream\":\"127.0.0.1@" + unbound.port() + "\"", "\"cache\":\"miss\"",
          "\"duration_ms\":");
      assertThat(lines.get(1)).contains("\"cache\":\"hit\"").doesNotContain("upstream");
      assertThat(Files.readString(err)).doesNotContain("Logged.Test");
    }
  }

  @Test
  void aPortInUseIsReportedAndExitsNonZero() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Result result = run(List.of("--listen", "127.0.0.1:" + taken.getLocalPort(), "--admin", "127.0.0.1:0"),
          Duration.ofSeconds(20));
      assertThat(result.exitCode).isEqualTo(1);
      assertThat(result.stderr).contains("cannot listen on TCP 127.0.0.1:" + taken.getLocalPort());
    }
  }

  private static void awaitAnswer(InetSocketAddress proxy, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try (DnsClient.Udp udp = DnsClient.udp(proxy)) {
        if (udp.exchange(DnsClient.query(A_NAME, Type.A), Duration.ofMillis(500)).getRcode() == Rcode.NOERROR) {
          return;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(100);
    }
  }

  private static int http(int port, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private Result run(List<String> args, Duration limit, String... env) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder = command(args).redirectOutput(out.toFile()).redirectError(err.toFile());
    for (int i = 0; i + 1 < env.length; i += 2) {
      builder.environment().put(env[i], env[i + 1]);
    }
    Process process = builder.start();
    try {
      assertThat(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).as("exits by itself").isTrue();
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      process.destroyForcibly();
    }
  }

  private Process start(List<String> args, Path log) throws IOException {
    return command(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static ProcessBuilder command(List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(key -> key.startsWith("DOTPROXY_"));
    return builder;
  }
}
