package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * examples/kustomization.yaml built by the real kustomize inside kubectl ({@code kubectl kustomize}), the
 * way `kubectl apply -k` and ArgoCD build it. Skipped, saying so, where kubectl is not installed.
 */
public class KustomizeTest {

  @Test
  void theExamplesKustomizationBuilds() throws Exception {
    String kubectl = kubectl().orElse(null);
    assumeTrue(kubectl != null, "kubectl is not on PATH: `kubectl kustomize examples/` was not run "
        + "(the machine image ships kubectl with kustomize; see README.md)");

    String built = run(kubectl, "kustomize", RepoFiles.path("examples").toString());

    List<Map<String, Object>> objects = RepoFiles.documents(built);
    assertThat(objects).extracting(o -> o.get("kind") + " " + ExamplesTest.metadata(o).get("name"))
        .containsExactlyInAnyOrder("Namespace dns", "Namespace demo", "DnsOverTlsProxy edge",
            "DnsOverTlsProxy app-dns", "Deployment dns-demo");
    CrdSchema schema = CrdSchema.dnsOverTlsProxy();
    for (Map<String, Object> object : objects) {
      @SuppressWarnings("unchecked")
      Map<String, String> labels = (Map<String, String>) ExamplesTest.metadata(object).get("labels");
      assertThat(labels).containsEntry("app.kubernetes.io/part-of", "dotproxy-examples");
      if ("DnsOverTlsProxy".equals(object.get("kind"))) {
        assertThat(schema.validate(object)).as("%s after the kustomization", ExamplesTest.metadata(object).get("name")).isEmpty();
        assertThat(((Map<?, ?>) object.get("spec")).get("image")).isEqualTo("ghcr.io/dotproxy/proxy-runtime:0.1.0");
      }
    }
    Deployment demo = RepoFiles.objects(built).stream().filter(Deployment.class::isInstance)
        .map(Deployment.class::cast).findFirst().orElseThrow();
    assertThat(demo.getSpec().getSelector().getMatchLabels())
        .as("the kustomization's label must not change selectors").doesNotContainKey("app.kubernetes.io/part-of");
    assertThat(demo.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("dotproxy.io/proxy", "app-dns");
  }

  /** The kubectl on the PATH, if any. */
  public static Optional<String> kubectl() {
    return RepoFiles.onPath("kubectl").map(Path::toString);
  }

  /** Runs a command (no cluster access: kustomize only reads files) and returns its standard output. */
  public static String run(String... command) throws Exception {
    Path stderr = Files.createTempFile("kubectl-", ".err");
    try {
      Process process = new ProcessBuilder(command)
          .redirectError(stderr.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish");
      }
      assertThat(process.exitValue()).as(String.join(" ", command) + ": " + Files.readString(stderr)).isZero();
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(stderr);
    }
  }
}
