package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.dotproxy.operator.delivery.RenderedChart;
import io.dotproxy.operator.model.CoreDnsSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.uninstall.Uninstall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removing the operator on a real API server (docs/how-to/uninstall.md). Without the chart's pre-delete hook
 * (helm uninstall --no-hooks, or before the hook existed), a DnsOverTlsProxy deleted afterwards and the
 * namespace that holds it stay Terminating for ever behind the operator's finalizer, and CoreDNS keeps
 * forwarding to the fleet. With the hook, run as Helm runs it (its ServiceAccount and RBAC first, then
 * {@code operator.jar uninstall} under that ServiceAccount's token, the operator's pods stopping when it
 * scales their Deployment down), nothing is stuck, the Corefile is back to its original and the webhook
 * Secret is gone.
 */
@ExtendWith(RealCluster.class)
class UninstallIT {

  static final Duration WAIT = Duration.ofSeconds(90);
  /** Long enough for the namespace controller and the garbage collector to have finished, were they able to. */
  static final Duration STUCK = Duration.ofSeconds(10);
  static final String HOOK = ChartInstallIT.RELEASE + "-uninstall";

  static ControlPlane plane;

  @BeforeAll
  static void cluster(ControlPlane controlPlane) {
    plane = controlPlane;
    // ChartInstallIT's helpers install the chart and run the operator's jar on the shared plane.
    ChartInstallIT.plane = controlPlane;
  }

  @Test
  void withoutTheHookDeletedProxiesAndTheirNamespaceStayTerminatingUntilTheUninstallIsRun(@TempDir Path dir) throws Exception {
    KubernetesClient admin = plane.admin();
    String original = kubeadmCorefile();
    ChartInstallIT.Installed installed = ChartInstallIT.install("nohook", "{}", dir);
    String apps = plane.newNamespace("apps-nohook");
    ChartInstallIT.Replica operator = ChartInstallIT.startReplica(installed, dir, "operator");
    try {
      readyWithProxies(operator, apps);
    } finally {
      ChartInstallIT.stop(operator, "operator");
      uninstallWithoutHooks(installed);
    }

    admin.resources(DnsOverTlsProxy.class).inNamespace(apps).delete();
    admin.namespaces().withName(apps).delete();
    Eventually.sleep(STUCK);
    assertThat(admin.resources(DnsOverTlsProxy.class).inNamespace(apps).list().getItems())
        .as("deleted, but held by the finalizer of an operator that is gone").hasSize(2)
        .allSatisfy(p -> {
          assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull();
          assertThat(p.getMetadata().getFinalizers()).containsExactly(Uninstall.FINALIZER);
        });
    assertThat(admin.namespaces().withName(apps).get().getStatus().getPhase()).isEqualTo("Terminating");
    assertThat(ClusterFixtures.corefile(plane)).as("CoreDNS still forwards to the fleet").contains("# dotproxy:" + apps + "/edge begin");
    assertThat(webhookSecret(installed)).as("the Secret the operator created; Helm does not know it").isPresent();

    // The way out docs/how-to/uninstall.md gives: the same command, run once with the Deployment's settings.
    Process uninstall = ChartInstallIT.startJar(List.of("uninstall", "--deployment", ChartInstallIT.RELEASE),
        installed.env(), plane.adminKubeconfig(), dir, dir.resolve("uninstall.log"));
    assertExitsCleanly(uninstall, dir.resolve("uninstall.log"));

    awaitGone(admin, apps);
    assertThat(ClusterFixtures.corefile(plane)).isEqualTo(original);
    assertThat(webhookSecret(installed)).isEmpty();
    admin.namespaces().withName(installed.namespace()).delete();
  }

  @Test
  void theHookLeavesNothingStuckRevertsCoreDnsAndDeletesTheWebhookSecret(@TempDir Path dir) throws Exception {
    KubernetesClient admin = plane.admin();
    String original = kubeadmCorefile();
    ChartInstallIT.Installed installed = ChartInstallIT.install("hook", "{}", dir);
    String apps = plane.newNamespace("apps-hook");
    ChartInstallIT.Replica operator = ChartInstallIT.startReplica(installed, dir, "operator");
    Path hookLog = dir.resolve("hook.log");
    try {
      readyWithProxies(operator, apps);
      assertThat(webhookSecret(installed)).isPresent();

      // helm uninstall: the hook's objects of weight -10, then its Job, which runs this command.
      List<HasMetadata> hooks = RenderedChart.hooks("{}\n", installed.namespace()).objects();
      hooks.stream().filter(o -> !(o instanceof Job)).forEach(o -> admin.resource(o).create());
      Job job = hooks.stream().filter(Job.class::isInstance).map(Job.class::cast).findFirst().orElseThrow();
      var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
      Path kubeconfig = plane.writeKubeconfig(dir.resolve("hook-kubeconfig"),
          plane.serviceAccountToken(installed.namespace(), HOOK), installed.namespace());
      Process hook = ChartInstallIT.startJar(container.getArgs(),
          ChartInstallIT.environment(container.getEnv(), installed.namespace()), kubeconfig, dir, hookLog);

      // The kubelet's part: once the Deployment is scaled down, its pods get SIGTERM.
      Eventually.until("the hook to scale the operator down", WAIT,
          () -> admin.apps().deployments().inNamespace(installed.namespace()).withName(ChartInstallIT.RELEASE).get(),
          d -> d.getSpec().getReplicas() == 0);
      ChartInstallIT.stop(operator, "operator");
      operator = null;
      assertExitsCleanly(hook, hookLog);
    } finally {
      ChartInstallIT.stop(operator, "operator");
      // hook-delete-policy hook-succeeded, then Helm deletes what it rendered.
      RenderedChart.hooks("{}\n", installed.namespace()).objects().forEach(o -> admin.resource(o).delete());
      uninstallWithoutHooks(installed);
    }

    assertThat(Files.readString(hookLog)).doesNotContainIgnoringCase("forbidden");
    assertThat(ClusterFixtures.corefile(plane)).as("CoreDNS back to its original Corefile").isEqualTo(original);
    assertThat(webhookSecret(installed)).as("the webhook Secret").isEmpty();
    assertThat(admin.resources(DnsOverTlsProxy.class).inNamespace(apps).list().getItems())
        .as("the proxies stay, with their fleets, until the user deletes them; without the finalizer")
        .hasSize(2).allSatisfy(p -> assertThat(p.getMetadata().getFinalizers()).isNullOrEmpty());

    admin.resources(DnsOverTlsProxy.class).inNamespace(apps).delete();
    admin.namespaces().withName(apps).delete();
    admin.namespaces().withName(installed.namespace()).delete();
    awaitGone(admin, apps);
    awaitGone(admin, installed.namespace());
  }

  /** kubeadm's Corefile, put back in place (another test may have left a block in it). */
  private static String kubeadmCorefile() {
    ClusterFixtures.installKubeadmDns(plane, true);
    return ClusterFixtures.corefile(plane);
  }

  /**
   * Once the operator is ready: a DaemonSet-mode fleet that CoreDNS forwards to, and a Sidecar-mode
   * proxy, both with the operator's finalizer.
   */
  private static void readyWithProxies(ChartInstallIT.Replica operator, String namespace) throws Exception {
    ChartInstallIT.awaitReady(operator);
    KubernetesClient admin = plane.admin();
    DnsOverTlsProxy fleet = TestProxies.quad9(namespace, "edge");
    fleet.getSpec().setCoreDNS(new CoreDnsSpec(true));
    admin.resource(fleet).create();
    DnsOverTlsProxy sidecar = TestProxies.quad9(namespace, "apps");
    sidecar.getSpec().setMode(ProxyMode.SIDECAR);
    admin.resource(sidecar).create();
    Eventually.until("CoreDNS to forward to the fleet", WAIT,
        () -> ClusterFixtures.corefile(plane) + "\nstatus of edge: "
            + Serialization.asYaml(admin.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName("edge").get().getStatus()),
        corefile -> corefile.contains("# dotproxy:" + namespace + "/edge begin"));
    Eventually.until("both proxies to carry the finalizer", WAIT,
        () -> admin.resources(DnsOverTlsProxy.class).inNamespace(namespace).list().getItems(),
        l -> l.size() == 2 && l.stream().allMatch(p -> p.getMetadata().getFinalizers() != null
            && p.getMetadata().getFinalizers().contains(Uninstall.FINALIZER)));
  }

  /** What Helm deletes once its hooks have run: the release's rendered objects. */
  private static void uninstallWithoutHooks(ChartInstallIT.Installed installed) {
    Helm.uninstall(ChartInstallIT.RELEASE).withNamespace(installed.namespace()).withKubeConfig(plane.adminKubeconfig())
        .noHooks().call();
  }

  private static Optional<Secret> webhookSecret(ChartInstallIT.Installed installed) {
    return Optional.ofNullable(plane.admin().secrets().inNamespace(installed.namespace())
        .withName(installed.settings().webhook().secretName()).get());
  }

  private static void assertExitsCleanly(Process process, Path log) throws Exception {
    boolean exited = process.waitFor(WAIT.toSeconds() + 60, TimeUnit.SECONDS);
    String output = Files.readString(log);
    System.out.println("---- uninstall ----\n" + output);
    if (!exited) {
      process.destroyForcibly();
    }
    assertThat(exited).as("uninstall finished; log:%n%s", output).isTrue();
    assertThat(process.exitValue()).as("exit code; log:%n%s", output).isZero();
  }

  private static void awaitGone(KubernetesClient admin, String namespace) {
    Eventually.until("namespace " + namespace + " to be deleted", WAIT,
        () -> Optional.ofNullable(admin.namespaces().withName(namespace).get()), Optional::isEmpty);
  }
}
