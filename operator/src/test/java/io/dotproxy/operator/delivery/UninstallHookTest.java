package io.dotproxy.operator.delivery;

import static io.dotproxy.operator.delivery.RenderedChart.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.uninstall.UninstallSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's pre-delete hook (docs/how-to/uninstall.md): a Job that runs {@code operator.jar uninstall} for the
 * release's operator, under a ServiceAccount of its own that may do exactly what the uninstall needs
 * ({@code OperatorFeatures.uninstallPermissions}), all of it gone once the Job succeeded. UninstallIT runs
 * it against a real API server.
 */
class UninstallHookTest {

  static final String HOOK = RenderedChart.RELEASE + "-uninstall";

  @Test
  void defaultsRenderTheseHookObjectsAllDeletedOnceTheJobSucceeded() {
    RenderedChart hooks = RenderedChart.hooks("");

    assertThat(hooks.objects()).extracting(o -> o.getKind() + " " + o.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ServiceAccount " + HOOK,
            "Role " + HOOK,
            "RoleBinding " + HOOK,
            "Role " + HOOK + "-coredns",
            "RoleBinding " + HOOK + "-coredns",
            "ClusterRole " + HOOK,
            "ClusterRoleBinding " + HOOK,
            "Job " + HOOK);
    for (HasMetadata o : hooks.objects()) {
      Map<String, String> annotations = o.getMetadata().getAnnotations();
      assertThat(annotations).as(o.getKind()).containsEntry("helm.sh/hook", "pre-delete");
      assertThat(annotations.get("helm.sh/hook-delete-policy").split(","))
          .as("deleted when it succeeded; a failed Job stays for its log until the next attempt replaces it")
          .containsExactlyInAnyOrder("before-hook-creation", "hook-succeeded");
      // Helm creates hooks of lower weight first: the Job must find its ServiceAccount and RBAC.
      int weight = Integer.parseInt(annotations.get("helm.sh/hook-weight"));
      assertThat(weight).as(o.getKind()).isEqualTo(o instanceof Job ? 0 : -10);
    }
  }

  @Test
  void defaultsGrantTheHookOnlyThese() {
    RenderedChart hooks = RenderedChart.hooks("");

    assertThat(HelmChartTest.sortedGrants(hooks)).containsExactlyInAnyOrder(
        NAMESPACE + " apps/deployments get,patch [" + RenderedChart.RELEASE + "]",
        NAMESPACE + " /pods list",
        NAMESPACE + " coordination.k8s.io/leases get [" + RenderedChart.RELEASE + "]",
        NAMESPACE + " /secrets delete [" + RenderedChart.RELEASE + "-webhook-tls]",
        "kube-system /configmaps get,update [coredns]",
        "cluster dotproxy.io/dnsovertlsproxies list,patch");
    HelmChartTest.assertNoWildcards(hooks);
    List<Subject> subjects = new ArrayList<>();
    hooks.all(RoleBinding.class).forEach(b -> subjects.addAll(b.getSubjects()));
    hooks.all(ClusterRoleBinding.class).forEach(b -> subjects.addAll(b.getSubjects()));
    assertThat(subjects).as("only the hook's own ServiceAccount, never the operator's").allSatisfy(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(HOOK);
      assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
    });
    assertThat(hooks.only(ServiceAccount.class).getMetadata().getName()).isEqualTo(HOOK);
  }

  /**
   * In every documented variant the hook is granted exactly what the uninstall of that operator needs,
   * and it runs with the operator's own settings (the same environment), for the chart's Deployment.
   */
  static Stream<String> variants() {
    return Stream.concat(HelmChartTest.variants(),
        Stream.of("{fullnameOverride: dns-guard, leaderElection: {leaseName: dns-guard-leader}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void everyVariantGrantsTheHookExactlyWhatItsUninstallNeeds(String values) {
    RenderedChart chart = RenderedChart.render(values + "\n");
    RenderedChart hooks = RenderedChart.hooks(values + "\n");
    Container uninstall = job(hooks).getSpec().getTemplate().getSpec().getContainers().get(0);
    Deployment deployment = chart.only(Deployment.class);

    assertThat(HelmChartTest.env(uninstall)).as("the operator's own settings")
        .isEqualTo(HelmChartTest.env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)));
    assertThat(uninstall.getArgs().get(0)).isEqualTo(UninstallSettings.COMMAND);
    UninstallSettings settings = UninstallSettings.parse(
        uninstall.getArgs().subList(1, uninstall.getArgs().size()).toArray(String[]::new), HelmChartTest.env(uninstall));
    assertThat(settings.deployment()).isEqualTo(deployment.getMetadata().getName());
    OperatorSettings operator = settings.operator();

    assertThat(HelmChartTest.sortedGrants(hooks))
        .isEqualTo(HelmChartTest.grantsOf(operator, operator.features().uninstallPermissions(operator, settings.deployment())));
  }

  @Test
  void theHookRunsTheOperatorImageUnderTheRestrictedPodSecurityProfileAndGivesUpInTime() {
    RenderedChart chart = RenderedChart.render("");
    Job job = job(RenderedChart.hooks(""));
    PodSpec pod = job.getSpec().getTemplate().getSpec();

    HelmChartTest.assertRestricted(pod);
    assertThat(pod.getServiceAccountName()).isEqualTo(HOOK);
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo(HelmChartTest.operator(chart).getImage());
    // Helm waits 5 minutes for a hook by default; the Job must end (and say why) before that.
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isLessThan(300);
  }

  @Test
  void theHookCanBeTurnedOff() {
    assertThat(RenderedChart.hooks("uninstallHook: {enabled: false}\n").objects()).isEmpty();
  }

  private static Job job(RenderedChart hooks) {
    return hooks.only(Job.class);
  }
}
