package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dotproxy.operator.delivery.KustomizeTest;
import io.dotproxy.operator.delivery.RepoFiles;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * `kubectl apply -f examples/...` as the README has users do it, against a real API server (v1.20, the
 * oldest Kubernetes the project supports), with the control plane's own kubectl: every example is accepted
 * by `--dry-run=server` and then for real, `kubectl get dotp` prints the CRD's printer columns and
 * `kubectl explain` describes the fields.
 *
 * <p>The examples' namespaces (dns, demo) are replaced by this test's own ({@link ExampleManifests}). The
 * ArgoCD Applications in examples/argocd/ are not applied: ArgoCD's CRDs are not installed here.
 * ExamplesTest and KustomizeTest check the same files against the CRD's schema and kustomize offline; this
 * adds what only the API server knows (built-in kinds' validation, defaults, the CRD as served).
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesIT {

  /** The Application kind needs ArgoCD's CRDs, which this cluster does not have. */
  static final List<String> NOT_APPLIED = List.of("argocd/dotproxy-operator.yaml", "argocd/dotproxy-proxies.yaml",
      "argocd/dotproxy.yaml");

  /** kustomize's input, not an API object: built and applied in {@link #theKustomizationBuildsToWhatTheServerAccepts}. */
  static final String KUSTOMIZATION = "kustomization.yaml";

  ExampleManifests examples;
  String dnsNamespace;
  String demoNamespace;
  String argocdNamespace;
  final List<String> applied = new ArrayList<>();

  @BeforeAll
  void applyEveryExample(ControlPlane plane) {
    ClusterFixtures.installCrd(plane);
    String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    dnsNamespace = "examples-dns-" + suffix;
    demoNamespace = "examples-demo-" + suffix;
    argocdNamespace = plane.newNamespace("examples-argocd");
    examples = new ExampleManifests(Map.of("dns", dnsNamespace, "demo", demoNamespace, "argocd", argocdNamespace));

    // The namespaces first: nothing else can even be dry-run before they exist.
    applyDryRunThenForReal(plane, "namespaces.yaml");
    plane.awaitServiceAccountToken(demoNamespace, "default"); // the demo Deployment's pods need it
    for (String file : ExampleManifests.files()) {
      if (!file.equals("namespaces.yaml") && !file.equals(KUSTOMIZATION) && !NOT_APPLIED.contains(file)) {
        applyDryRunThenForReal(plane, file);
      }
    }
  }

  @AfterAll
  void deleteNamespaces(ControlPlane plane) {
    if (examples != null) {
      List.of(dnsNamespace, demoNamespace).forEach(namespace -> ClusterFixtures.deleteProxies(plane, namespace));
      plane.kubectl("delete", "namespace", dnsNamespace, demoNamespace, argocdNamespace, "--wait=false", "--ignore-not-found");
    }
  }

  private void applyDryRunThenForReal(ControlPlane plane, String file) {
    List<Map<String, Object>> documents = examples.documents(file);
    String yaml = ExampleManifests.yaml(documents);

    Kubectl.Result dryRun = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(yaml, "apply", "--dry-run=server", "-f", "-");
    assertThat(dryRun.exitCode()).as("%s --dry-run=server:\n%s", file, dryRun.err()).isZero();
    ExampleManifests.outputLines(documents, "created (server dry run)").forEach(line -> assertThat(dryRun.out()).as(file).containsPattern(line));

    Kubectl.Result real = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(yaml, "apply", "-f", "-");
    assertThat(real.exitCode()).as("%s:\n%s", file, real.err()).isZero();
    assertThat(real.err()).as("%s: kubectl warned", file).isEmpty();
    ExampleManifests.outputLines(documents, "created").forEach(line -> assertThat(real.out()).as(file).containsPattern(line));
    applied.add(file);
  }

  @Test
  void everyExampleManifestIsAppliedOrSaysWhyNot() {
    List<String> accounted = new ArrayList<>(applied);
    accounted.addAll(NOT_APPLIED);
    accounted.add(KUSTOMIZATION);

    assertThat(accounted).containsExactlyInAnyOrderElementsOf(ExampleManifests.files());
  }

  @Test
  void getPrintsTheCrdsColumns(ControlPlane plane) {
    // Mode, ready/desired, the Ready reason, CoreDNS, age (PrinterColumnOrder). No operator runs here, so
    // only MODE and AGE have values (GitOpsIT and DaemonSetModeIT show the others).
    List<String> lines = plane.kubectl("get", "dotp", "-n", dnsNamespace).assertSuccess().out().lines().toList();
    assertThat(lines.get(0)).matches("NAME\\s+MODE\\s+READY\\s+REASON\\s+COREDNS\\s+AGE\\s*");
    assertThat(lines.subList(1, lines.size()))
        .anySatisfy(row -> assertThat(row).matches("edge\\s+DaemonSet\\s+\\S+\\s*"))
        .anySatisfy(row -> assertThat(row).matches("corp\\s+DaemonSet\\s+\\S+\\s*"))
        .anySatisfy(row -> assertThat(row).matches("multi\\s+DaemonSet\\s+\\S+\\s*"))
        .hasSize(3);

    List<String> wide = plane.kubectl("get", "dnsovertlsproxies", "-n", demoNamespace, "-o", "wide").assertSuccess().out()
        .lines().toList();
    assertThat(wide.get(0)).matches("NAME\\s+MODE\\s+READY\\s+REASON\\s+COREDNS\\s+AGE\\s+UPDATED\\s+UNINJECTED\\s+MESSAGE\\s*");
    assertThat(wide.subList(1, wide.size())).singleElement().asString().matches("app-dns\\s+Sidecar\\s+\\S+\\s*");
  }

  @Test
  void explainDescribesTheFieldsFromTheCrdsSchema(ControlPlane plane) {
    String upstreams = plane.kubectl("explain", "dnsovertlsproxies.spec.upstreams").assertSuccess().out();

    assertThat(upstreams)
        .contains("KIND:     DnsOverTlsProxy", "VERSION:  dotproxy.io/v1alpha1")
        .contains("DNS-over-TLS servers, in order of preference for policy sequential.")
        .containsPattern("address\\s+<string> -required-")
        .contains("never a hostname")
        .containsPattern("port\\s+<integer>")
        .containsPattern("spkiPins\\s+<\\[\\]string>");
  }

  /**
   * The NetworkPolicy examples select kube-system (kube-dns) and the monitoring namespace by the label
   * kubernetes.io/metadata.name, which Kubernetes sets on every namespace from 1.21 on. A 1.20 cluster's
   * namespaces do not have it; the README says to add it there by hand.
   */
  @Test
  void namespacesCarryNoNameLabelBefore121SoTheNetworkPoliciesNeedItAddedByHand(ControlPlane plane) {
    assertThat(ExampleManifests.yaml(examples.documents("networkpolicy-sidecar.yaml"))).contains("kubernetes.io/metadata.name");
    for (String namespace : List.of(dnsNamespace, "kube-system")) {
      Map<String, String> labels = plane.admin().namespaces().withName(namespace).get().getMetadata().getLabels();
      assertThat(Objects.requireNonNullElse(labels, Map.of())).as(namespace).doesNotContainKey("kubernetes.io/metadata.name");
    }
  }

  /**
   * kubectl 1.20's built-in kustomize (v2.0.3) does not know the kustomization's {@code labels}: the
   * README asks for kubectl 1.22 or later, or a standalone kustomize, for `kubectl apply -k`. What a recent
   * kustomize builds (the kubectl on the PATH, as KustomizeTest uses) the 1.20 API server accepts: the
   * same objects as the plain files above, with the kustomization's label and image pin.
   */
  @Test
  void theKustomizationBuildsToWhatTheServerAccepts(ControlPlane plane) throws Exception {
    Kubectl.Result old = plane.kubectl("kustomize", ExampleManifests.dir().toString());
    assertThat(old.exitCode()).isNotZero();
    assertThat(old.err()).contains("unknown field \"labels\"");

    Optional<String> kubectl = KustomizeTest.kubectl();
    assumeTrue(kubectl.isPresent(), "no kubectl on the PATH to build examples/ with a recent kustomize");
    List<Map<String, Object>> built = examples.inTestNamespaces(
        RepoFiles.documents(KustomizeTest.run(kubectl.get(), "kustomize", ExampleManifests.dir().toString())));

    Kubectl.Result dryRun = plane.kubectlWith(plane.adminKubeconfig())
        .runWithInput(ExampleManifests.yaml(built), "apply", "--dry-run=server", "-f", "-");
    assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
    assertThat(dryRun.out().lines()).hasSize(built.size()).allSatisfy(line -> assertThat(line).endsWith("(server dry run)"));
    assertThat(dryRun.out()).contains("dnsovertlsproxy.dotproxy.io/edge configured", "deployment.apps/dns-demo configured");
  }
}
