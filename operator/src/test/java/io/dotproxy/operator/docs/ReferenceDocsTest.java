package io.dotproxy.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.delivery.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reference pages generated from the operator's code, the CRD and the chart are the ones they
 * would generate now; the hand-written pages name only reasons and metrics that the code has.
 * Regenerate with {@value GeneratedPages#REGENERATE}.
 */
class ReferenceDocsTest {

  @Test
  void theCrdReferenceIsGeneratedFromTheCommittedCrd() {
    GeneratedPages.checkPage("docs/reference/crd.md", CrdReference.markdown());
  }

  @Test
  void theHelmValuesReferenceIsGeneratedFromTheChart() {
    GeneratedPages.checkPage("docs/reference/helm-values.md", HelmValuesReference.page());
    GeneratedPages.checkSection("charts/dotproxy-operator/README.md", "values", HelmValuesReference.table());
  }

  @Test
  void everyChartValueHasADescription() {
    for (String row : HelmValuesReference.table().lines().skip(2).toList()) {
      assertThat(row).as("values.yaml has a comment above this key").doesNotEndWith("|  |");
    }
  }

  @Test
  void theOperatorFlagsReferenceIsGeneratedFromTheFlags() {
    GeneratedPages.checkPage("docs/reference/operator-flags.md", OperatorFlagsReference.markdown());
  }

  @Test
  void theRbacReferenceIsGeneratedFromTheFeatures() {
    GeneratedPages.checkPage("docs/reference/rbac.md", RbacReference.markdown());
  }

  @Test
  void everyReasonInTheStatusReferenceIsOneTheOperatorSets() {
    String page = RepoFiles.read("docs/reference/status.md");
    Matcher rows = Pattern.compile("(?m)^\\| `([A-Z][A-Za-z]+)` \\|").matcher(page);
    Set<String> reasons = new TreeSet<>();
    while (rows.find()) {
      reasons.add(rows.group(1));
    }
    assertThat(reasons).as("reasons listed in docs/reference/status.md").hasSizeGreaterThan(10);
    String sources = operatorSources();
    for (String reason : reasons) {
      assertThat(sources).as("the reason " + reason + " is set somewhere in the operator").contains('"' + reason + '"');
    }
  }

  @Test
  void theMetricsReferenceListsExactlyTheOperatorsOwnMetrics() {
    String page = RepoFiles.read("docs/reference/metrics.md");
    int start = page.indexOf("\n## Operator");
    assertThat(start).as("docs/reference/metrics.md has a '## Operator' section").isPositive();
    int end = page.indexOf("\n## ", start + 1);
    String section = end < 0 ? page.substring(start) : page.substring(start, end);
    Matcher rows = Pattern.compile("(?m)^\\| `(dotproxy_[a-z_]+)(?:\\{[^}]*\\})?` \\|").matcher(section);
    Set<String> documented = new TreeSet<>();
    while (rows.find()) {
      // Micrometer's Prometheus names: dots become underscores, counters end in _total, timers in _seconds
      documented.add(rows.group(1).replaceAll("_(total|seconds)$", "").replace('_', '.'));
    }
    Matcher literals = Pattern.compile("\"(dotproxy\\.(?:operator|webhook)\\.[a-z.]+)\"").matcher(operatorSources());
    Set<String> registered = new TreeSet<>();
    while (literals.find()) {
      registered.add(literals.group(1));
    }
    assertThat(documented).as("the operator's metrics in docs/reference/metrics.md").isEqualTo(registered);
  }

  private static String operatorSources() {
    try (Stream<Path> files = Files.walk(RepoFiles.path("operator/src/main/java"))) {
      return files.filter(f -> f.toString().endsWith(".java")).map(RepoFiles::read).collect(Collectors.joining("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
