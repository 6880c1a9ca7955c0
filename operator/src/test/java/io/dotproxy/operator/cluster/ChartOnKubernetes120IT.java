package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.dotproxy.operator.delivery.RenderedChart;
import io.dotproxy.operator.delivery.RepoFiles;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Everything charts/dotproxy-operator renders with its default values is accepted by a real v1.20 API
 * server ({@code kubectl apply --dry-run=server}, kubectl's own validation on): rendered offline for
 * Kubernetes 1.20.2 as `helm template --kube-version` and ArgoCD render it, and rendered by `helm install
 * --dry-run=server`, where the Capabilities are the cluster's own. The cert-manager kinds (certMode
 * certManager) are left out: their CRDs are not installed here. Installing the chart and running the
 * operator under its RBAC is another test's.
 */
@ExtendWith(RealCluster.class)
class ChartOnKubernetes120IT {

  @Test
  void whatHelmTemplateRendersForKubernetes120IsAccepted(ControlPlane plane) {
    String manifest = RenderedChart.render("", plane.version().getGitVersion().substring(1)).manifest();
    plane.ensureNamespace(RenderedChart.NAMESPACE); // a dry run of namespaced objects needs their namespace

    assertAcceptedByTheServer(plane, manifest);
  }

  /**
   * `helm install` renders with the cluster's own Capabilities: its kube version, which the chart's
   * kubeVersion must admit, and its API versions, from discovery, where a 1.20 server lists
   * policy/v1beta1 and no policy/v1 (so the PodDisruptionBudget template picks policy/v1beta1 on that
   * condition too). helm-java does not hand back the manifest of a dry run; the template test above
   * checks what is rendered.
   */
  @Test
  void helmInstallRendersAgainstTheClustersOwnCapabilities(ControlPlane plane) {
    assertThat(plane.kubectl("api-versions").assertSuccess().out().lines()).contains("policy/v1beta1").doesNotContain("policy/v1");
    plane.ensureNamespace(RenderedChart.NAMESPACE);

    Release release = new Helm(RepoFiles.path("charts/dotproxy-operator")).install()
        .withName(RenderedChart.RELEASE)
        .withNamespace(RenderedChart.NAMESPACE)
        .withKubeConfig(plane.adminKubeconfig())
        .withDryRunOption(DryRun.SERVER)
        .skipCrds()
        .call();

    assertThat(release.getStatus()).isEqualTo("pending-install");
    assertThat(release.getOutput()).as("NOTES.txt, for this cluster's version").contains("add --validate=false");
  }

  private static void assertAcceptedByTheServer(ControlPlane plane, String manifest) {
    List<Map<String, Object>> objects = RepoFiles.documents(manifest);
    assertThat(objects).extracting(o -> o.get("kind")).contains("Deployment", "MutatingWebhookConfiguration", "ClusterRole");
    assertThat(objects).filteredOn(o -> "PodDisruptionBudget".equals(o.get("kind"))).singleElement()
        .satisfies(pdb -> assertThat(pdb.get("apiVersion")).as("policy/v1 only exists from 1.21").isEqualTo("policy/v1beta1"));

    Kubectl.Result result = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(manifest, "apply", "--dry-run=server", "-f", "-");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out().lines()).hasSize(objects.size()).allSatisfy(line -> assertThat(line).endsWith(" (server dry run)"));
  }
}
