package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.dotproxy.operator.app.OperatorFeatures;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.OperatorHttp;
import io.dotproxy.operator.testing.TestCertificates;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart installed as users install it ({@code helm install}, through helm-java, against the real
 * API server), then operator.jar run the way the chart's Deployment runs it: its environment, and the
 * chart's ServiceAccount's token, so that the real RBAC decides what it may do. In every documented
 * variant it must start, become ready, hold its leader Lease for longer than a lease period, reconcile,
 * and be refused nothing; and the API server must allow exactly what {@link OperatorFeatures} says the
 * operator needs.
 */
@ExtendWith(RealCluster.class)
class ChartInstallIT {

  static final String RELEASE = "dotproxy-operator";

  /** Longer than JOSDK's lease duration (15 s) and renew deadline (10 s): a refused renewal shows. */
  static final Duration HOLD_LEASE_FOR = Duration.ofSeconds(25);

  static final Duration WAIT = Duration.ofSeconds(60);

  static ControlPlane plane;

  /**
   * A documented set of values. {@code watched} is a namespace the values name (the placeholder
   * WATCHED in {@code values} is replaced by it), or empty for all namespaces.
   */
  record Variant(String id, String values, boolean watchesOneNamespace) {
    @Override
    public String toString() {
      return id + ": " + values.replace('\n', ' ');
    }
  }

  static Stream<Variant> variants() {
    return Stream.of(
        new Variant("defaults", "{}", false),
        new Variant("no-webhook", "webhook: {enabled: false}", false),
        new Variant("watch", "watchNamespaces: [WATCHED]", true),
        new Variant("watch-no-coredns", "{watchNamespaces: [WATCHED], coreDNS: {patch: false}}", true),
        new Variant("cert-manager", "webhook: {certMode: certManager}", false),
        new Variant("single", "{replicaCount: 1, leaderElection: {enabled: false}, rbac: {trustedCASecrets: false},"
            + " webhook: {nativeSidecars: \"false\"}}", false));
  }

  @BeforeAll
  static void cluster(ControlPlane controlPlane) {
    plane = controlPlane;
    ClusterFixtures.installKubeadmDns(plane, true);
    installCertManagerCrds();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void theOperatorRunsUnderTheChartsRbacAndIsRefusedNothing(Variant variant, @TempDir Path dir) throws Exception {
    KubernetesClient admin = plane.admin();
    String watched = plane.newNamespace("apps-" + variant.id());
    Installed installed = install(variant.id(), variant.values().replace("WATCHED", watched), dir);
    OperatorSettings settings = installed.settings();
    OperatorFeatures features = settings.features();
    Replica operator = null;
    try {
      operator = startReplica(installed, dir, "operator");
      Instant started = Instant.now();

      awaitReady(operator);
      if (settings.leaderElection()) {
        Eventually.until("the operator to take its leader Lease", WAIT, () -> leaseHolder(installed), Optional::isPresent);
      }
      if (features.managedWebhookCertificates()) {
        Eventually.until("the webhook's caBundle", WAIT,
            () -> admin.admissionRegistration().v1().mutatingWebhookConfigurations().withName(settings.webhook().configName()).get(),
            c -> c.getWebhooks().stream().allMatch(w -> w.getClientConfig().getCaBundle() != null && !w.getClientConfig().getCaBundle().isEmpty()));
      }

      reconcilesProxies(admin, watched, features);

      Duration left = HOLD_LEASE_FOR.minus(Duration.between(started, Instant.now()));
      if (!left.isNegative()) {
        Thread.sleep(left.toMillis());
      }
      assertThat(operator.process().isAlive()).as("still running after %s; log:%n%s", HOLD_LEASE_FOR, operator.log()).isTrue();
      assertThat(OperatorHttp.status(operator.httpPort(), "/readyz")).isEqualTo(200);
      if (settings.leaderElection()) {
        Lease lease = admin.resources(Lease.class).inNamespace(installed.namespace()).withName(settings.leaseName()).require();
        assertThat(lease.getSpec().getRenewTime().toInstant()).as("the Lease is being renewed").isAfter(started.plusSeconds(10));
      }
      assertThat(operator.log()).as("refused nothing").doesNotContainIgnoringCase("forbidden").doesNotContain(" 403");

      assertThat(settings.coreDnsReleaseGrace()).as("the chart's coreDNS.releaseGracePeriod").isEqualTo(RELEASE_GRACE);
      deleteProxiesWhileTheOperatorRuns(admin, watched);
      assertApiServerAllowsExactlyTheFeatures(settings, installed.namespace(), installed.serviceAccount(), watched);
    } finally {
      stop(operator, variant.id());
      uninstall(installed);
      admin.namespaces().withName(watched).delete();
    }
  }

  /**
   * The chart's two replicas: the standby is ready (it serves the webhook) without leading, and takes
   * over, under the chart's RBAC, once the leader stops and its Lease expires.
   */
  @Test
  void aStandbyReplicaIsReadyWithoutLeadingAndTakesOverWhenTheLeaderStops(@TempDir Path dir) throws Exception {
    KubernetesClient admin = plane.admin();
    Installed installed = install("replicas", "{}", dir);
    Replica first = null;
    Replica second = null;
    try {
      first = startReplica(installed, dir, "first");
      awaitReady(first);
      String leader = Eventually.until("the first replica to lead", WAIT, () -> leaseHolder(installed), Optional::isPresent).get();
      second = startReplica(installed, dir, "second");
      awaitReady(second);
      assertThat(leaseHolder(installed)).as("the standby does not take the Lease").contains(leader);

      first.process().destroy(); // SIGTERM, as the kubelet stops a pod
      assertThat(first.process().waitFor(20, TimeUnit.SECONDS)).as("the leader stops within 20 s of SIGTERM").isTrue();
      Eventually.until("the standby to take over", WAIT, () -> leaseHolder(installed), h -> h.isPresent() && !h.get().equals(leader));

      String watched = plane.newNamespace("apps-replicas");
      admin.resource(TestProxies.quad9(watched, "edge")).create();
      Eventually.until("the new leader to reconcile", WAIT,
          () -> Optional.ofNullable(admin.resources(ConfigMap.class).inNamespace(watched).withName("dotproxy-edge").get()),
          Optional::isPresent);
      assertThat(second.process().isAlive()).isTrue();
      assertThat(second.log()).doesNotContainIgnoringCase("forbidden");
      deleteProxiesWhileTheOperatorRuns(admin, watched);
      admin.namespaces().withName(watched).delete();
    } finally {
      stop(first, "first");
      stop(second, "second");
      uninstall(installed);
    }
  }

  static final Duration RELEASE_GRACE = Duration.ofSeconds(3);

  /** The chart installed with {@code values} in a namespace of its own, and how its Deployment runs the operator. */
  record Installed(String namespace, Map<String, String> env, OperatorSettings settings, String serviceAccount) {}

  static Installed install(String id, String values, Path dir) throws IOException {
    String namespace = plane.newNamespace("dotproxy-" + id);
    Path valuesFile = Files.writeString(dir.resolve("values.yaml"), values + "\n");
    // A short release grace period, so that deleting a CoreDNS-patched proxy does not wait two minutes.
    new Helm(RepoRoot.chart()).install().withName(RELEASE).withNamespace(namespace)
        .withKubeConfig(plane.adminKubeconfig()).withValuesFile(valuesFile)
        .set("coreDNS.releaseGracePeriod", RELEASE_GRACE.toSeconds() + "s").call();
    Deployment deployment = plane.admin().apps().deployments().inNamespace(namespace).withName(RELEASE).require();
    Map<String, String> env = environment(deployment, namespace);
    return new Installed(namespace, env, OperatorSettings.parse(new String[0], env),
        deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
  }

  /**
   * Without the pre-delete hook: its Job needs the operator's image, which no kubelet runs here (the
   * proxies are already deleted, so it has nothing to do). UninstallIT runs the hook's command instead.
   */
  static void uninstall(Installed installed) {
    Helm.uninstall(RELEASE).withNamespace(installed.namespace()).withKubeConfig(plane.adminKubeconfig()).noHooks().call();
    plane.admin().namespaces().withName(installed.namespace()).delete();
  }

  /** One replica: operator.jar with the Deployment's environment and the ServiceAccount's token, on ports of its own. */
  record Replica(Process process, int httpPort, Path logFile) {
    String log() throws IOException {
      return Files.readString(logFile);
    }
  }

  static Replica startReplica(Installed installed, Path dir, String name) throws IOException {
    OperatorSettings settings = installed.settings();
    int httpPort = freePort();
    List<String> args = new ArrayList<>(List.of("--http-port", String.valueOf(httpPort), "--webhook-port", String.valueOf(freePort())));
    if (settings.webhook().enabled() && !settings.features().managedWebhookCertificates()) {
      args.addAll(List.of("--webhook-cert-dir", actAsCertManager(installed.namespace(), settings, dir).toString()));
    }
    Path kubeconfig = plane.writeKubeconfig(dir.resolve("kubeconfig"),
        plane.serviceAccountToken(installed.namespace(), installed.serviceAccount()), installed.namespace());
    Path log = dir.resolve(name + ".log");
    return new Replica(startJar(args, installed.env(), kubeconfig, dir, log), httpPort, log);
  }

  static void stop(Replica replica, String name) throws Exception {
    if (replica == null) {
      return;
    }
    replica.process().destroy();
    if (!replica.process().waitFor(20, TimeUnit.SECONDS)) {
      replica.process().destroyForcibly();
    }
    System.out.println("---- operator (" + name + ") ----\n" + replica.log());
  }

  private static Optional<String> leaseHolder(Installed installed) {
    Lease lease = plane.admin().resources(Lease.class).inNamespace(installed.namespace())
        .withName(installed.settings().leaseName()).get();
    return Optional.ofNullable(lease).map(l -> l.getSpec().getHolderIdentity()).filter(h -> !h.isEmpty());
  }

  /** A DaemonSet-mode proxy is deployed; what the features leave out is reported, not attempted. */
  private static void reconcilesProxies(KubernetesClient admin, String namespace, OperatorFeatures features) {
    DnsOverTlsProxy fleet = TestProxies.quad9(namespace, "edge");
    fleet.getSpec().setCoreDNS(new CoreDnsSpec(true));
    admin.resource(fleet).create();
    Eventually.until("the fleet's ConfigMap and DaemonSet", WAIT,
        () -> Optional.ofNullable(admin.resources(DaemonSet.class).inNamespace(namespace).withName("dotproxy-edge").get())
            .filter(d -> admin.resources(ConfigMap.class).inNamespace(namespace).withName("dotproxy-edge").get() != null),
        Optional::isPresent);
    if (!features.coreDnsPatch()) {
      Eventually.until("CoreDNSPatchRefused", WAIT, () -> proxy(admin, namespace, "edge"),
          p -> condition(p, "Degraded").filter(c -> "CoreDNSPatchRefused".equals(c.getReason())
              && c.getMessage().contains("--coredns-patch false")).isPresent());
    }
    DnsOverTlsProxy sidecar = TestProxies.quad9(namespace, "apps");
    sidecar.getSpec().setMode(ProxyMode.SIDECAR);
    admin.resource(sidecar).create();
    if (features.sidecarInjection()) {
      Eventually.until("the Sidecar-mode config rendered", WAIT, () -> proxy(admin, namespace, "apps"),
          p -> condition(p, "Ready").filter(c -> "ConfigRendered".equals(c.getReason())).isPresent());
    } else {
      Eventually.until("the Sidecar-mode proxy refused for want of the webhook", WAIT, () -> proxy(admin, namespace, "apps"),
          p -> condition(p, "Degraded").filter(c -> c.getMessage().contains("--webhook-enabled false")).isPresent());
    }
  }

  private static void deleteProxiesWhileTheOperatorRuns(KubernetesClient admin, String namespace) {
    admin.resources(DnsOverTlsProxy.class).inNamespace(namespace).delete();
    Eventually.until("the proxies' finalizers to be released", WAIT,
        () -> admin.resources(DnsOverTlsProxy.class).inNamespace(namespace).list().getItems(), List::isEmpty);
  }

  private static DnsOverTlsProxy proxy(KubernetesClient admin, String namespace, String name) {
    return admin.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).get();
  }

  private static Optional<Condition> condition(DnsOverTlsProxy proxy, String type) {
    return Optional.ofNullable(proxy.getStatus()).flatMap(s -> s.condition(type));
  }

  /**
   * Every permission the features name is allowed, as the API server decides it (SubjectAccessReview,
   * what {@code kubectl auth can-i --as} asks), and what no feature needs is refused where RBAC can
   * tell it apart.
   */
  private static void assertApiServerAllowsExactlyTheFeatures(
      OperatorSettings settings, String releaseNamespace, String serviceAccount, String watched) {
    String user = "system:serviceaccount:" + releaseNamespace + ":" + serviceAccount;
    List<String> refused = new ArrayList<>();
    for (OperatorFeatures.Permission p : settings.features().permissions(settings)) {
      String namespace = switch (p.scope()) {
        case CLUSTER -> null;
        case NAMESPACE -> p.namespace().orElseThrow();
        case WATCHED_NAMESPACES -> settings.watchNamespaces().isEmpty() ? null : watched;
      };
      for (String verb : p.verbs()) {
        if (!allowed(user, verb, p.apiGroup(), p.resource(), namespace, p.resourceName().orElse(null))) {
          refused.add(verb + " " + p.apiGroup() + "/" + p.resource() + p.resourceName().map(n -> "/" + n).orElse("")
              + (namespace == null ? " (cluster)" : " in " + namespace) + ": " + p.why());
        }
      }
    }
    assertThat(refused).as("permissions the operator needs that the chart does not grant").isEmpty();

    List<String> granted = new ArrayList<>();
    Map<String, Boolean> mustNot = new LinkedHashMap<>();
    mustNot.put("delete /pods in " + watched, allowed(user, "delete", "", "pods", watched, null));
    mustNot.put("create /pods in " + watched, allowed(user, "create", "", "pods", watched, null));
    mustNot.put("update apps/deployments in " + releaseNamespace, allowed(user, "update", "apps", "deployments", releaseNamespace, null));
    if (!settings.watchNamespaces().isEmpty()) {
      // Cluster-wide installs read Secrets and write ConfigMaps in every namespace, kube-system included:
      // RBAC cannot limit a ClusterRole to the operator's own objects (issue: least privilege).
      mustNot.put("get /secrets/aws-auth in kube-system", allowed(user, "get", "", "secrets", "kube-system", "aws-auth"));
      mustNot.put("update /configmaps/aws-auth in kube-system", allowed(user, "update", "", "configmaps", "kube-system", "aws-auth"));
      mustNot.put("list /pods (cluster)", allowed(user, "list", "", "pods", null, null));
      mustNot.put("list dotproxy.io/dnsovertlsproxies in default", allowed(user, "list", "dotproxy.io", "dnsovertlsproxies", "default", null));
      if (!settings.coreDnsPatch()) {
        mustNot.put("update /configmaps/coredns in kube-system", allowed(user, "update", "", "configmaps", "kube-system", "coredns"));
      }
    }
    if (!settings.webhook().enabled()) {
      mustNot.put("list /pods in " + watched, allowed(user, "list", "", "pods", watched, null));
      mustNot.put("patch mutatingwebhookconfigurations", allowed(user, "patch", "admissionregistration.k8s.io",
          "mutatingwebhookconfigurations", null, RELEASE));
    }
    if (!settings.features().sidecarInjection()) {
      mustNot.put("list /nodes (cluster)", allowed(user, "list", "", "nodes", null, null));
      mustNot.put("list networking.k8s.io/servicecidrs (cluster)", allowed(user, "list", "networking.k8s.io", "servicecidrs", null, null));
    }
    if (!settings.leaderElection()) {
      mustNot.put("create leases in " + releaseNamespace, allowed(user, "create", "coordination.k8s.io", "leases", releaseNamespace, null));
    }
    if (!settings.trustedCaSecrets()) {
      mustNot.put("get /secrets in " + watched, allowed(user, "get", "", "secrets", watched, null));
    }
    mustNot.forEach((what, allowed) -> {
      if (allowed) {
        granted.add(what);
      }
    });
    assertThat(granted).as("permissions no feature needs").isEmpty();
  }

  private static boolean allowed(String user, String verb, String group, String resource, String namespace, String name) {
    String[] parts = resource.split("/", 2);
    SubjectAccessReview review = new SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(parts[0])
        .withSubresource(parts.length > 1 ? parts[1] : null).withNamespace(namespace).withName(name)
        .endResourceAttributes().endSpec().build();
    return plane.admin().authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  /** The container's environment as the kubelet would give it (the Downward API's namespace resolved). */
  static Map<String, String> environment(Deployment deployment, String namespace) {
    return environment(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv(), namespace);
  }

  /** {@code vars} as the kubelet would set them in a pod in {@code namespace} (an IPv4 pod). */
  static Map<String, String> environment(List<EnvVar> vars, String namespace) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : vars) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null
          && "metadata.namespace".equals(var.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(var.getName(), namespace);
      } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null
          && "status.podIPs".equals(var.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(var.getName(), "127.0.0.1"); // where the operator runs here: on the host, on loopback
      } else {
        throw new AssertionError("the test cannot resolve env " + var.getName());
      }
    }
    return env;
  }

  /**
   * What cert-manager does for certMode certManager: the Secret with a CA-signed serving certificate,
   * mounted where the Deployment mounts it (here: a directory passed with --webhook-cert-dir).
   */
  private static Path actAsCertManager(String namespace, OperatorSettings settings, Path dir) {
    return TestCertificates.writeServing(dir.resolve("webhook-tls"),
        List.of(settings.webhook().serviceName() + "." + namespace + ".svc"));
  }

  /** cert-manager's Certificate and Issuer kinds, so that the chart's certManager objects are accepted. */
  private static void installCertManagerCrds() {
    for (String kind : List.of("Certificate", "Issuer", "ClusterIssuer")) {
      String plural = kind.toLowerCase() + "s";
      CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
          .withNewMetadata().withName(plural + ".cert-manager.io").endMetadata()
          .withNewSpec().withGroup("cert-manager.io").withScope(kind.equals("ClusterIssuer") ? "Cluster" : "Namespaced")
          .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).endNames()
          .addNewVersion().withName("v1").withServed(true).withStorage(true)
          .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
          .endOpenAPIV3Schema().endSchema().endVersion()
          .endSpec().build();
      plane.admin().resource(crd).createOr(NonDeletingOperation::update);
    }
    Eventually.until("cert-manager's kinds to be served", WAIT,
        () -> plane.kubectl("get", "certificates.cert-manager.io", "-A").exitCode(), code -> code == 0);
  }

  static Process startJar(List<String> args, Map<String, String> env, Path kubeconfig, Path dir, Path log)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", System.getProperty("dotproxy.operator.jar")));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("DOTPROXY_") || k.equals("POD_NAMESPACE") || k.equals("POD_IPS"));
    builder.environment().putAll(env);
    ControlPlane.isolatedEnvironment(builder.environment(), kubeconfig, dir);
    return builder.start();
  }

  static void awaitReady(Replica replica) throws IOException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!replica.process().isAlive()) {
        throw new AssertionError("operator exited with " + replica.process().exitValue() + ":\n" + replica.log());
      }
      if (OperatorHttp.status(replica.httpPort(), "/readyz") == 200) {
        return;
      }
      Eventually.sleep(Duration.ofMillis(200));
    }
    throw new AssertionError("operator not ready within " + WAIT + ":\n" + replica.log());
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The chart directory in this repository. */
  static final class RepoRoot {
    static Path chart() {
      return RealCluster.repoRoot().resolve("charts/dotproxy-operator");
    }
  }
}
