package io.dotproxy.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.delivery.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the repository's Markdown (README.md and the other root pages, docs/, the
 * chart's, the examples' and the benchmarks' READMEs) leads to a file that exists, and every #anchor
 * to a heading of that page, by GitHub's rules for heading anchors.
 */
class LinkCheckTest {

  private static final Pattern LINK = Pattern.compile("\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");

  @Test
  void everyRelativeLinkAndAnchorResolves() {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      String relative = RepoFiles.root().relativize(page).toString();
      for (String target : links(RepoFiles.read(page))) {
        if (target.matches("^[a-zA-Z][a-zA-Z+.-]*:.*")) {
          continue; // https:, mailto:
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path linked = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(linked)) {
          broken.add(relative + ": " + target + " (no such file)");
        } else if (anchor != null && !anchors(linked).contains(anchor)) {
          broken.add(relative + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void anchorsFollowGitHubsRules() {
    assertThat(anchors("# Kubernetes versions\n## `--native-sidecars` and 1.29!\n## Kubernetes versions\n"))
        .containsExactlyInAnyOrder("kubernetes-versions", "--native-sidecars-and-129", "kubernetes-versions-1");
    assertThat(links("see [a](b.md#c) and `[d](e.md)`\n```\n[f](g.md)\n```\n")).containsExactly("b.md#c");
  }

  static List<Path> pages() {
    List<Path> pages = new ArrayList<>();
    try (Stream<Path> root = Files.list(RepoFiles.root());
        Stream<Path> docs = Files.walk(RepoFiles.path("docs"));
        Stream<Path> charts = Files.list(RepoFiles.path("charts"))) {
      root.filter(LinkCheckTest::isMarkdown).forEach(pages::add);
      docs.filter(LinkCheckTest::isMarkdown).forEach(pages::add);
      charts.map(c -> c.resolve("README.md")).filter(Files::exists).forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String other : List.of("examples/README.md", "bench/README.md")) {
      pages.add(RepoFiles.path(other));
    }
    return pages;
  }

  private static boolean isMarkdown(Path path) {
    return Files.isRegularFile(path) && path.toString().endsWith(".md");
  }

  /** Link targets outside code blocks and code spans. */
  static List<String> links(String markdown) {
    List<String> targets = new ArrayList<>();
    for (String line : prose(markdown)) {
      Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
      while (m.find()) {
        targets.add(m.group(1));
      }
    }
    return targets;
  }

  private static Set<String> anchors(Path page) {
    return page.toString().endsWith(".md") ? anchors(RepoFiles.read(page)) : Set.of();
  }

  /** GitHub's heading anchors: lower case, spaces to '-', other punctuation dropped, repeats numbered. */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(markdown)) {
      Matcher m = HEADING.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String text = m.group(2).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
      StringBuilder slug = new StringBuilder();
      text.toLowerCase().codePoints().forEach(c -> {
        if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
          slug.appendCodePoint(c);
        } else if (c == ' ') {
          slug.append('-');
        }
      });
      int count = seen.merge(slug.toString(), 1, Integer::sum);
      anchors.add(count == 1 ? slug.toString() : slug + "-" + (count - 1));
    }
    return anchors;
  }

  /** The lines outside fenced code blocks. */
  private static List<String> prose(String markdown) {
    List<String> lines = new ArrayList<>();
    boolean fenced = false;
    for (String line : markdown.lines().toList()) {
      if (line.stripLeading().startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced) {
        lines.add(line);
      }
    }
    return lines;
  }
}
