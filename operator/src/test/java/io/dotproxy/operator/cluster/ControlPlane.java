package io.dotproxy.operator.cluster;

import io.dotproxy.operator.testing.Eventually;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, the default admission chain
 * with MutatingAdmissionWebhook, service-account tokens), kube-controller-manager (garbage collector,
 * DaemonSet, namespace, service-account and token controllers; not the node-lifecycle controller,
 * which would taint nodes no kubelet renews) and kube-scheduler. No kubelet: see {@link FakeKubelet}.
 *
 * <p>Every process is started here and stopped here, by its own {@link Process} handle. Their output
 * goes to files in the work directory, named after each program.
 *
 * <p>Why not fabric8's kube-api-test: it runs etcd listening on every interface, disables the
 * ServiceAccount admission plugin, and starts neither the controller-manager nor the scheduler, which
 * the tests need (garbage collection, DaemonSet pods, service-account tokens).
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  /** Bounded start-up: each program must be up within this. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private static final String LOOPBACK = "127.0.0.1";

  private final ControlPlaneBinaries binaries;
  private final Path workDir;
  private final String adminToken;
  private final List<RunningProgram> programs = new ArrayList<>();
  private final AtomicInteger namespaceCounter = new AtomicInteger();
  private final Thread shutdownHook = new Thread(this::stopPrograms, "control-plane-stop");
  private int apiServerPort;
  private KubernetesClient admin;
  private VersionInfo version;
  private Duration startTime;

  private record RunningProgram(String name, Process process) {}

  private ControlPlane(ControlPlaneBinaries binaries, Path workDir) {
    this.binaries = binaries;
    this.workDir = workDir;
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    this.adminToken = HexFormat.of().formatHex(random);
  }

  /** Starts everything and waits, at most {@link #START_TIMEOUT} per program, until it serves. */
  public static ControlPlane start(ControlPlaneBinaries binaries, Path workDir) {
    ControlPlane plane = new ControlPlane(binaries, workDir);
    Runtime.getRuntime().addShutdownHook(plane.shutdownHook);
    long started = System.nanoTime();
    try {
      plane.startAll();
    } catch (RuntimeException | IOException e) {
      plane.close();
      throw new IllegalStateException("the control plane did not start (logs in " + workDir + "): " + e.getMessage(), e);
    }
    plane.startTime = Duration.ofNanos(System.nanoTime() - started);
    log.info("control plane {} up in {} ms at {} (logs in {})", plane.version.getGitVersion(), plane.startTime.toMillis(),
        plane.url(), workDir);
    return plane;
  }

  private void startAll() throws IOException {
    Files.createDirectories(workDir);
    Path certs = Files.createDirectories(workDir.resolve("certs"));
    writeServiceAccountKeys();
    Files.writeString(workDir.resolve("tokens.csv"), adminToken + ",admin,admin,system:masters\n");

    int etcdPort = freePort();
    int etcdPeerPort = freePort();
    String etcdUrl = "http://" + LOOPBACK + ":" + etcdPort;
    String peerUrl = "http://" + LOOPBACK + ":" + etcdPeerPort;
    startProgram("etcd", List.of(binaries.etcd().toString(),
        "--name", "dotproxy-test",
        "--data-dir", workDir.resolve("etcd").toString(),
        "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", "dotproxy-test=" + peerUrl,
        "--listen-metrics-urls", "http://" + LOOPBACK + ":" + freePort()));

    apiServerPort = freePort();
    startProgram("kube-apiserver", List.of(binaries.apiServer().toString(),
        "--etcd-servers=" + etcdUrl,
        "--bind-address=" + LOOPBACK, "--advertise-address=" + LOOPBACK, "--secure-port=" + apiServerPort,
        "--cert-dir=" + certs,
        "--service-account-key-file=" + workDir.resolve("sa.pub"),
        "--service-account-signing-key-file=" + workDir.resolve("sa.key"),
        "--service-account-issuer=https://kubernetes.default.svc",
        "--token-auth-file=" + workDir.resolve("tokens.csv"),
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        "--profiling=false"));
    awaitApiServer();
    writeKubeconfig(workDir.resolve("admin.kubeconfig"), adminToken, "default");

    String kubeconfig = "--kubeconfig=" + workDir.resolve("admin.kubeconfig");
    startProgram("kube-controller-manager", List.of(binaries.controllerManager().toString(), kubeconfig,
        "--bind-address=" + LOOPBACK, "--secure-port=0", "--port=0", "--leader-elect=false",
        "--controllers=*,-nodelifecycle", "--use-service-account-credentials=false",
        "--service-account-private-key-file=" + workDir.resolve("sa.key"),
        "--root-ca-file=" + caFile(),
        "--profiling=false"));
    startProgram("kube-scheduler", List.of(binaries.scheduler().toString(), kubeconfig,
        "--bind-address=" + LOOPBACK, "--secure-port=0", "--port=0", "--leader-elect=false",
        "--profiling=false"));
    // The token controller writing the default ServiceAccount's token shows the controller-manager works.
    awaitServiceAccountToken("default", "default");
  }

  private void awaitApiServer() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    KubernetesClientException last = null;
    while (System.nanoTime() < deadline) {
      assertRunning();
      if (admin == null) {
        if (!Files.isRegularFile(caFile())) { // written by the API server as it starts
          sleep(100);
          continue;
        }
        admin = client(adminToken, "default");
      }
      try {
        String ready = admin.raw(url() + "/readyz");
        if ("ok".equals(ready) && admin.namespaces().withName("default").get() != null) {
          version = admin.getKubernetesVersion();
          binaries.version().ifPresent(wanted -> {
            if (!version.getGitVersion().equals("v" + wanted) && !version.getGitVersion().equals(wanted)) {
              throw new IllegalStateException("kube-apiserver is " + version.getGitVersion() + ", the setting asks for " + wanted);
            }
          });
          return;
        }
      } catch (KubernetesClientException e) {
        last = e;
      }
      sleep(100);
    }
    throw new IllegalStateException("kube-apiserver not ready within " + START_TIMEOUT.toSeconds() + " s", last);
  }

  /** Waits until the token controller has given {@code namespace/name} its token Secret. */
  public void awaitServiceAccountToken(String namespace, String name) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertRunning();
      ServiceAccount account = admin.serviceAccounts().inNamespace(namespace).withName(name).get();
      if (account != null && !account.getSecrets().isEmpty()) {
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException("ServiceAccount " + namespace + "/" + name + " got no token within "
        + START_TIMEOUT.toSeconds() + " s: is kube-controller-manager running?");
  }

  /** The token of a ServiceAccount, from the Secret the token controller wrote (Kubernetes < 1.24). */
  public String serviceAccountToken(String namespace, String name) {
    awaitServiceAccountToken(namespace, name);
    ServiceAccount account = admin.serviceAccounts().inNamespace(namespace).withName(name).get();
    String secret = account.getSecrets().get(0).getName();
    String token = admin.secrets().inNamespace(namespace).withName(secret).get().getData().get("token");
    return new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
  }

  /**
   * A fresh namespace whose pods can be created at once: the ServiceAccount admission plugin refuses
   * pods until the namespace's default ServiceAccount has its token.
   */
  public String newNamespace(String prefix) {
    String name = prefix + "-" + namespaceCounter.incrementAndGet();
    admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    awaitServiceAccountToken(name, "default");
    return name;
  }

  /** An existing namespace, created if need be (e.g. kube-system exists, dotproxy-system may not). */
  public void ensureNamespace(String name) {
    if (admin.namespaces().withName(name).get() == null) {
      admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }
    awaitServiceAccountToken(name, "default");
  }

  /** A client authenticated by {@code token}, e.g. a ServiceAccount's. */
  public KubernetesClient client(String token, String namespace) {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withOauthToken(token)
        .withCaCertFile(caFile().toString())
        .withNamespace(namespace)
        .withRequestTimeout(30_000)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** A client of the cluster administrator's of its own, for whoever closes it. */
  public KubernetesClient newAdminClient(String namespace) {
    return client(adminToken, namespace);
  }

  /** The cluster administrator (system:masters). Not to be closed by tests. */
  public KubernetesClient admin() {
    return admin;
  }

  /** Writes a kubeconfig for {@code token} with {@code namespace} as the context's namespace. */
  public Path writeKubeconfig(Path file, String token, String namespace) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: user
          user:
            token: %s
        contexts:
        - name: test
          context:
            cluster: test
            user: user
            namespace: %s
        current-context: test
        """.formatted(url(), caFile(), token, namespace);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public Path adminKubeconfig() {
    return workDir.resolve("admin.kubeconfig");
  }

  /** Runs kubectl as the administrator; the result carries the exit code and both outputs. */
  public Kubectl.Result kubectl(String... args) {
    return new Kubectl(binaries.kubectl(), adminKubeconfig(), workDir).run(args);
  }

  /** kubectl as whoever the kubeconfig names. */
  public Kubectl kubectlWith(Path kubeconfig) {
    return new Kubectl(binaries.kubectl(), kubeconfig, workDir);
  }

  public String url() {
    return "https://" + LOOPBACK + ":" + apiServerPort;
  }

  /** The API server's self-signed serving certificate, which clients trust. */
  public Path caFile() {
    return workDir.resolve("certs/apiserver.crt");
  }

  public VersionInfo version() {
    return version;
  }

  public Duration startTime() {
    return startTime;
  }

  public Path workDir() {
    return workDir;
  }

  private void startProgram(String name, List<String> command) throws IOException {
    Path logFile = workDir.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    programs.add(new RunningProgram(name, process));
    log.debug("started {} (pid {})", name, process.pid());
  }

  private void assertRunning() {
    for (RunningProgram program : programs) {
      if (!program.process().isAlive()) {
        throw new IllegalStateException(program.name() + " exited with " + program.process().exitValue()
            + "; see " + workDir.resolve(program.name() + ".log"));
      }
    }
  }

  private void writeServiceAccountKeys() throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      Files.writeString(workDir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      Files.writeString(workDir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    Eventually.sleep(Duration.ofMillis(millis));
  }

  /** Stops the programs in reverse order of start: SIGTERM, then SIGKILL after 10 s. */
  private synchronized void stopPrograms() {
    for (int i = programs.size() - 1; i >= 0; i--) {
      Process process = programs.get(i).process();
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    programs.clear();
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
    stopPrograms();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is what called us, or is about to
    }
  }

  /** Environment for a child process that must not see the developer's own cluster. */
  static Map<String, String> isolatedEnvironment(Map<String, String> env, Path kubeconfig, Path home) {
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("HOME", home.toString());
    env.remove("KUBERNETES_SERVICE_HOST");
    return env;
  }
}
