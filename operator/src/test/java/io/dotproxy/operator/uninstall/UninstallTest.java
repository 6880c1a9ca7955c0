package io.dotproxy.operator.uninstall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.OperatorMain;
import io.dotproxy.operator.app.InvalidSettingException;
import io.dotproxy.operator.coredns.BlockOwner;
import io.dotproxy.operator.coredns.CorefilePatcher;
import io.dotproxy.operator.coredns.PatchOutcome;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The uninstall's steps on the fabric8 mock API server: only the watched namespaces' blocks and only
 * the operator's finalizer go. UninstallIT runs it against a real API server under the hook's RBAC.
 */
@EnableKubernetesMockClient(crud = true)
class UninstallTest {

  static final String OTHER_FINALIZER = "example.com/keep";

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void revertsOnlyTheWatchedNamespacesBlocksAndRemovesOnlyTheOperatorsFinalizer() {
    new MockCluster(server, client).withCrd().withNamespaces("team", "elsewhere", "dotproxy-system")
        .withCorefile(patched(Corefiles.KUBEADM, new BlockOwner("team", "edge")));
    client.resource(new DeploymentBuilder().withNewMetadata().withNamespace("dotproxy-system").withName("dotproxy-operator")
        .endMetadata().withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "op").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "op").endMetadata().withNewSpec().addNewContainer()
        .withName("operator").withImage("op").endContainer().endSpec().endTemplate().endSpec().build()).create();
    client.resource(new SecretBuilder().withNewMetadata().withNamespace("dotproxy-system")
        .withName("dotproxy-operator-webhook-tls").endMetadata().build()).create();
    DnsOverTlsProxy edge = withFinalizers(TestProxies.quad9("team", "edge"), Uninstall.FINALIZER, OTHER_FINALIZER);
    DnsOverTlsProxy unwatched = withFinalizers(TestProxies.quad9("elsewhere", "edge"), Uninstall.FINALIZER);
    client.resource(edge).create();
    client.resource(unwatched).create();

    Uninstall.Report report = new Uninstall(client, settings("--watch-namespaces", "team"), Clock.systemUTC(),
        Duration.ofMillis(10)).run();

    assertThat(report.blocksReverted()).containsExactly(new BlockOwner("team", "edge"));
    assertThat(client.configMaps().inNamespace("kube-system").withName("coredns").get().getData().get("Corefile"))
        .isEqualTo(Corefiles.KUBEADM);
    assertThat(report.finalizersReleased()).containsExactly("team/edge");
    assertThat(finalizers("team", "edge")).containsExactly(OTHER_FINALIZER);
    assertThat(finalizers("elsewhere", "edge")).as("not this operator's namespace").containsExactly(Uninstall.FINALIZER);
    assertThat(client.apps().deployments().inNamespace("dotproxy-system").withName("dotproxy-operator").get()
        .getSpec().getReplicas()).isZero();
    assertThat(report.webhookSecretDeleted()).isTrue();
    assertThat(client.secrets().inNamespace("dotproxy-system").withName("dotproxy-operator-webhook-tls").get()).isNull();

    // Again: everything is done already, and nothing fails.
    Uninstall.Report again = new Uninstall(client, settings("--watch-namespaces", "team"), Clock.systemUTC(),
        Duration.ofMillis(10)).run();
    assertThat(again.blocksReverted()).isEmpty();
    assertThat(again.finalizersReleased()).isEmpty();
    assertThat(again.webhookSecretDeleted()).isFalse();
  }

  @Test
  void aBlockOfANamespaceThisOperatorDoesNotWatchStays() {
    String corefile = patched(Corefiles.KUBEADM, new BlockOwner("elsewhere", "edge"));
    new MockCluster(server, client).withCrd().withNamespaces("dotproxy-system").withCorefile(corefile);

    Uninstall.Report report = new Uninstall(client, settings("--watch-namespaces", "team"), Clock.systemUTC(),
        Duration.ofMillis(10)).run();

    assertThat(report.blocksReverted()).isEmpty();
    assertThat(client.configMaps().inNamespace("kube-system").withName("coredns").get().getData().get("Corefile"))
        .isEqualTo(corefile);
  }

  @Test
  void withoutTheCrdOrTheDeploymentThereIsNothingToReleaseOrStop() {
    new MockCluster(server, client).withNamespaces("dotproxy-system").withCorefile(Corefiles.KUBEADM);

    Uninstall.Report report = new Uninstall(client, settings(), Clock.systemUTC(), Duration.ofMillis(10)).run();

    assertThat(report.blocksReverted()).isEmpty();
    assertThat(report.finalizersReleased()).isEmpty();
  }

  @Test
  void theDeploymentIsNamedOnTheCommandLineAndEveryOtherFlagIsTheOperators() {
    UninstallSettings settings = UninstallSettings.parse(
        new String[] {"--deployment", "dns-guard", "--watch-namespaces", "a,b"}, Map.of("POD_NAMESPACE", "ops"));
    assertThat(settings.deployment()).isEqualTo("dns-guard");
    assertThat(settings.operator().watchNamespaces()).containsExactlyInAnyOrder("a", "b");
    assertThat(settings.operatorNamespace()).isEqualTo("ops");
    assertThat(settings.leaseNamespace()).isEqualTo("ops");
    assertThat(UninstallSettings.parse(new String[0], Map.of()).deployment()).isEqualTo("dotproxy-operator");

    assertThatThrownBy(() -> UninstallSettings.parse(new String[] {"--deployment", "Not_A_Name"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageContaining("--deployment");
    assertThatThrownBy(() -> UninstallSettings.parse(new String[] {"--no-such-flag", "x"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageContaining("--no-such-flag");
    assertThat(OperatorMain.uninstall(new String[] {"--deployment"}, Map.of())).as("exit code").isEqualTo(2);
  }

  private UninstallSettings settings(String... flags) {
    List<String> args = new ArrayList<>(List.of(flags));
    args.addAll(List.of("--leader-election", "false", "--operator-namespace", "dotproxy-system"));
    return UninstallSettings.parse(args.toArray(String[]::new), Map.of());
  }

  private List<String> finalizers(String namespace, String name) {
    return client.resources(DnsOverTlsProxy.class).inNamespace(namespace).withName(name).get().getMetadata().getFinalizers();
  }

  private static DnsOverTlsProxy withFinalizers(DnsOverTlsProxy proxy, String... finalizers) {
    proxy.getMetadata().setFinalizers(List.of(finalizers));
    return proxy;
  }

  /** {@code corefile} with {@code owner}'s block. */
  private static String patched(String corefile, BlockOwner owner) {
    return ((PatchOutcome.Patched) CorefilePatcher.patch(corefile, owner, "10.96.0.53")).corefile();
  }
}
