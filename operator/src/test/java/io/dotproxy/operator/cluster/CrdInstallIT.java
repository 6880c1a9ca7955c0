package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.dotproxy.operator.delivery.RepoFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routes README.md gives for installing the CRD, each against a real v1.20 API server, which predates
 * the CRD's CEL rules (x-kubernetes-validations): Helm's crds/ directory and `kubectl apply` or `kubectl
 * create` with {@code --validate=false} install it without them; kubectl's own validation and server-side
 * apply refuse it.
 *
 * <p>Each route installs a copy of the committed CRD under names and a group of its own, so that the
 * DnsOverTlsProxy CRD the other test classes share is never touched, and kubectl never takes
 * "dnsovertlsproxies" or "dotp" for one of the copies; the route's behaviour depends on the schema, not on
 * the names.
 */
@ExtendWith(RealCluster.class)
class CrdInstallIT {

  static final String CRD_FILE = "dnsovertlsproxies.dotproxy.io-v1.yml";
  static final String PLURAL = "routecopies";
  static final String KIND = "RouteCopy";

  @TempDir
  Path dir;

  String group;

  @AfterEach
  void deleteTheCopy(ControlPlane plane) {
    if (group != null) {
      plane.kubectl("delete", "crd", PLURAL + "." + group, "--ignore-not-found");
    }
  }

  @Test
  void kubectlsOwnValidationRefusesTheCelRulesAndSaysHowToGoOn(ControlPlane plane) throws IOException {
    Path crd = copyOfTheCrd("refused");

    for (String verb : new String[] {"apply", "create"}) {
      Kubectl.Result result = plane.kubectl(verb, "-f", crd.toString());
      assertThat(result.exitCode()).as(verb).isNotZero();
      assertThat(result.err()).as(verb)
          .contains("unknown field \"x-kubernetes-validations\"", "turn validation off with --validate=false");
    }
    assertThat(plane.admin().apiextensions().v1().customResourceDefinitions().withName(PLURAL + "." + group).get())
        .isNull();
  }

  @Test
  void kubectlApplyWithoutClientValidationInstallsAndUpgradesItWithoutTheCelRules(ControlPlane plane) throws IOException {
    Path crd = copyOfTheCrd("apply");

    assertThat(plane.kubectl("apply", "--validate=false", "-f", crd.toString()).assertSuccess().out()).contains("created");
    CustomResourceDefinition stored = awaitEstablished(plane);
    assertThat(plane.kubectl("apply", "--validate=false", "-f", crd.toString()).assertSuccess().out())
        .as("applied again, as after an upgrade").containsPattern("(configured|unchanged)");

    String schema = Serialization.asYaml(stored.getSpec().getVersions().get(0).getSchema());
    assertThat(schema).as("the API server dropped the CEL rules").doesNotContain("x-kubernetes-validations");
    // What the schema itself says still holds on 1.20: patterns, ranges, the name rules.
    Kubectl.Result badTimeout = plane.kubectlWith(plane.adminKubeconfig()).runWithInput(proxy("bad", "timeout: 5sec"),
        "apply", "--validate=false", "-f", "-");
    assertThat(badTimeout.exitCode()).isNotZero();
    assertThat(badTimeout.err()).contains("spec.timeout", "should match '^[0-9]+(ms|s|m|h)$'");
    // What only a CEL rule says does not: here the operator's own check is all there is.
    plane.kubectlWith(plane.adminKubeconfig()).runWithInput(
        proxy("two-refs", "trustedCA: {configMapRef: {name: a}, secretRef: {name: b}}"),
        "apply", "--validate=false", "-f", "-").assertSuccess();
  }

  @Test
  void kubectlCreateWithoutClientValidationInstallsIt(ControlPlane plane) throws IOException {
    Path crd = copyOfTheCrd("create");

    assertThat(plane.kubectl("create", "--validate=false", "-f", crd.toString()).assertSuccess().out()).contains("created");
    awaitEstablished(plane);
  }

  /**
   * Server-side apply (`kubectl apply --server-side`, ArgoCD's ServerSideApply=true) types the CRD by the
   * API server's own schema of CRDs, which before Kubernetes 1.23 has no x-kubernetes-validations.
   */
  @Test
  void serverSideApplyOfTheCrdIsRefusedByTheApiServer(ControlPlane plane) throws IOException {
    Path crd = copyOfTheCrd("ssa");

    Kubectl.Result result = plane.kubectl("apply", "--server-side", "--validate=false", "-f", crd.toString());

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.err()).contains("x-kubernetes-validations: field not declared in schema");
  }

  /** Helm creates what is in a chart's crds/ without validating it, as `kubectl create --validate=false`. */
  @Test
  void helmInstallsItFromTheChartsCrdsDirectory(ControlPlane plane) throws IOException {
    Path chart = Files.createDirectories(dir.resolve("chart"));
    // The chart's own Chart.yaml: its kubeVersion must admit this 1.20 API server.
    Files.copy(RepoFiles.path("charts/dotproxy-operator/Chart.yaml"), chart.resolve("Chart.yaml"));
    Files.createDirectories(chart.resolve("crds"));
    Files.move(copyOfTheCrd("helm"), chart.resolve("crds").resolve(CRD_FILE));
    String namespace = plane.newNamespace("crd-helm");

    new Helm(chart).install().withName("crd-route").withNamespace(namespace).withKubeConfig(plane.adminKubeconfig()).call();
    try {
      CustomResourceDefinition stored = awaitEstablished(plane);
      assertThat(Serialization.asYaml(stored.getSpec())).doesNotContain("x-kubernetes-validations");
    } finally {
      Helm.uninstall("crd-route").withNamespace(namespace).withKubeConfig(plane.adminKubeconfig()).call();
      plane.kubectl("delete", "namespace", namespace, "--wait=false");
    }
  }

  /** The committed CRD with its group and names changed to this test's. */
  private Path copyOfTheCrd(String route) throws IOException {
    group = route + ".crd-install.dotproxy.test";
    @SuppressWarnings("unchecked")
    Map<String, Object> crd = Serialization.unmarshal(RepoFiles.read("crds/" + CRD_FILE), Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
    assertThat(Serialization.asYaml(spec)).contains("x-kubernetes-validations");
    spec.put("group", group);
    spec.put("names", Map.of("kind", KIND, "plural", PLURAL, "singular", KIND.toLowerCase()));
    ExampleManifests.metadata(crd).put("name", PLURAL + "." + group);
    return Files.writeString(dir.resolve(route + ".yaml"), Serialization.asYaml(crd));
  }

  private CustomResourceDefinition awaitEstablished(ControlPlane plane) {
    return ClusterFixtures.awaitEstablished(plane, PLURAL + "." + group);
  }

  private String proxy(String name, String specLine) {
    String namespace = "default";
    return """
        apiVersion: %s/v1alpha1
        kind: %s
        metadata: {name: %s, namespace: %s}
        spec:
          upstreams: [{address: 9.9.9.9}]
          %s
        """.formatted(group, KIND, name, namespace, specLine);
  }
}
