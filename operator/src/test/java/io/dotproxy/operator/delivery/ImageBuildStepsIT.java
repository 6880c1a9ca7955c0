package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.delivery.Dockerfile.Instruction;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The images' build stages and ENTRYPOINTs, run here without Docker: the build stage's RUN commands are
 * taken from the Dockerfiles and run with bash, /opt/dotproxy mapped to a scratch directory and /build to
 * this repository (whose jars `mvn package` has just built). Then the ENTRYPOINT starts the app from the
 * jlink'd runtime, as the final image would. This catches a module the jlink'd runtime lacks, a class-data
 * archive the JVM will not map (-Xshare:on makes that fatal here), and a native library that does not load.
 * Everything listens on 127.0.0.1 only, and the proxy's upstream is a closed loopback port.
 */
@EnableKubernetesMockClient(crud = true)
class ImageBuildStepsIT {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theProxyImageStartsFromItsJlinkRuntimeWithItsClassDataArchiveAndWritesNothingToTmp(@TempDir Path scratch)
      throws Exception {
    Dockerfile dockerfile = Dockerfile.parse(RepoFiles.read("Dockerfile.proxy"));
    Path opt = Files.createDirectories(scratch.resolve("opt-dotproxy"));
    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    runBuildStage(dockerfile, opt, scratch);
    assembleFinalStage(dockerfile, opt);
    assertThat(archivedClasses(entrypoint(dockerfile, opt, tmp), scratch))
        .as("the training's handshake validated a CA-signed chain, and a miss waited for the upstream's answer")
        .contains("sun.security.provider.certpath.PKIXCertPathValidator", "sun.security.util.HostnameChecker",
            "io.netty.handler.ssl.ReferenceCountedOpenSslClientContext",
            "io.dotproxy.runtime.listener.UdpQueryHandler", "io.dotproxy.runtime.cache.AnswerCache$WireWaiter");

    int dns = freePort();
    int admin = freePort();
    List<String> command = entrypoint(dockerfile, opt, tmp);
    command.addAll(List.of("--listen", "127.0.0.1:" + dns, "--admin", "127.0.0.1:" + admin,
        "--upstream", "127.0.0.1@" + freePort() + "#upstream.invalid", "--drain-period", "0s"));
    Path log = scratch.resolve("proxy.log");
    Process proxy = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Eventually.until("/livez answers", () -> status(admin, "/livez"), code -> code == 200);
      assertThat(udpAnswer(dns)).as("an answer (SERVFAIL: the upstream is closed) to a UDP query").isTrue();
      assertThat(Files.readString(log)).as(Files.readString(log)).contains("udp+tcp, epoll");
      try (var files = Files.list(tmp)) {
        assertThat(files.toList()).as("the native library loads from the image, not from a copy in /tmp").isEmpty();
      }
    } finally {
      proxy.destroy();
      assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(proxy.exitValue()).as(Files.readString(log)).isZero();
  }

  @Test
  void theOperatorImageStartsFromItsJlinkRuntimeAndReconciles(@TempDir Path scratch) throws Exception {
    Dockerfile dockerfile = Dockerfile.parse(RepoFiles.read("Dockerfile.operator"));
    Path opt = Files.createDirectories(scratch.resolve("opt-dotproxy"));
    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    runBuildStage(dockerfile, opt, scratch);
    assembleFinalStage(dockerfile, opt);

    MockCluster cluster = new MockCluster(server, client).withCrd().withNamespaces("dotproxy-system", "dns").grantingLeases();
    Path kubeconfig = cluster.writeKubeconfig(scratch);
    int http = freePort();
    List<String> command = entrypoint(dockerfile, opt, tmp);
    command.addAll(List.of("--http-port", String.valueOf(http)));
    Path log = scratch.resolve("operator.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("HOME", scratch.toString());
    Process operator = builder.start();
    try {
      client.resource(TestProxies.quad9("dns", "edge")).create();
      Eventually.until("the proxies' ConfigMap",
          () -> client.resources(ConfigMap.class).inNamespace("dns").withName("dotproxy-edge").get(), c -> true);
      assertThat(status(http, "/healthz")).isEqualTo(200);
      assertThat(status(http, "/metrics")).isEqualTo(200);
    } finally {
      operator.destroy();
      assertThat(operator.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.readString(log)).contains("dotproxy operator");
  }

  /** The build stage's RUN commands after the Maven build, with the image paths mapped to the scratch directory. */
  static void runBuildStage(Dockerfile dockerfile, Path opt, Path scratch) throws Exception {
    for (Instruction run : dockerfile.stage("build").all("RUN")) {
      if (run.arguments().contains("mvn ")) {
        continue; // `mvn package` has run: this is the verify phase
      }
      String script = map(run.arguments(), opt);
      Path log = scratch.resolve("build-stage.log");
      ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
          .directory(RepoFiles.root().toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().put("TRAIN_DNS_PORT", String.valueOf(freePort()));
      builder.environment().put("TRAIN_ADMIN_PORT", String.valueOf(freePort()));
      Process process = builder.start();
      assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("RUN " + script).isTrue();
      assertThat(process.exitValue()).as("RUN %s\n%s", script, Files.readString(log)).isZero();
    }
  }

  /** The final stage's COPY --from=build lines; like Docker's COPY, they keep modification times. */
  static void assembleFinalStage(Dockerfile dockerfile, Path opt) throws IOException {
    for (Instruction copy : dockerfile.last().all("COPY")) {
      Path source = Path.of(map(copy.words().get(0), opt));
      Path target = Path.of(map(copy.words().get(1), opt));
      if (source.normalize().equals(target.normalize())) {
        continue; // the build stage made it where the final stage wants it
      }
      Files.createDirectories(target.getParent());
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The classes in the ENTRYPOINT's class-data archives, as the JVM lists them ("N: name loader"). */
  static List<String> archivedClasses(List<String> entrypoint, Path scratch) throws Exception {
    List<String> command = new ArrayList<>(entrypoint.subList(0, entrypoint.indexOf("-jar")));
    command.add("-XX:+PrintSharedArchiveAndExit");
    command.addAll(entrypoint.subList(entrypoint.indexOf("-jar"), entrypoint.size()));
    Path listing = scratch.resolve("archive.txt");
    Process java = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(listing.toFile()).start();
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return Files.readAllLines(listing).stream().map(String::strip).filter(line -> line.matches("\\d+: \\S+ .*"))
        .map(line -> line.split(" ")[1]).toList();
  }

  /** The ENTRYPOINT with the paths mapped, java.io.tmpdir in the scratch directory, and the CDS archive made mandatory. */
  static List<String> entrypoint(Dockerfile dockerfile, Path opt, Path tmp) {
    List<String> command = new ArrayList<>();
    for (String word : dockerfile.last().last("ENTRYPOINT").execForm()) {
      command.add(word.equals("-Djava.io.tmpdir=/tmp") ? "-Djava.io.tmpdir=" + tmp : map(word, opt));
    }
    if (command.stream().anyMatch(w -> w.startsWith("-XX:SharedArchiveFile="))) {
      command.add(1, "-Xshare:on");
    }
    return command;
  }

  static String map(String text, Path opt) {
    return text.replace("/opt/dotproxy", opt.toString()).replace("/build/", RepoFiles.root() + "/");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static int status(int port, String path) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Sends "example.com. A" over UDP and waits (bounded) for any answer with the same id. */
  static boolean udpAnswer(int port) throws IOException {
    byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(2000);
      for (int attempt = 0; attempt < 5; attempt++) {
        socket.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
        byte[] buffer = new byte[512];
        DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
        try {
          socket.receive(answer);
          if (answer.getLength() >= 12 && buffer[0] == 0x12 && buffer[1] == 0x34 && (buffer[2] & 0x80) != 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          // the first query may wait for the upstream's connection to fail; ask again
        }
      }
      return false;
    }
  }
}
