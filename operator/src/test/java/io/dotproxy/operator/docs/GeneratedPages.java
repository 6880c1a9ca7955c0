package io.dotproxy.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.delivery.RepoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pages, or marked parts of pages, that are generated from the code, the CRD or the chart. A check
 * fails when the committed text differs from what would be generated now; with
 * {@code -Ddotproxy.docs.update=true} it writes the generated text instead.
 */
final class GeneratedPages {

  static final String REGENERATE =
      "mvn -B -ntp -o -pl operator test -Dtest=ReferenceDocsTest -Ddotproxy.docs.update=true";

  private GeneratedPages() {}

  /** The whole page is generated. */
  static void checkPage(String relativePath, String generated) {
    Path page = RepoFiles.path(relativePath);
    if (Boolean.getBoolean("dotproxy.docs.update")) {
      write(page, generated);
    }
    assertThat(RepoFiles.read(page)).as(relativePath + " is stale; regenerate it with: " + REGENERATE)
        .isEqualTo(generated);
  }

  /** Only the part between the page's {@code <!-- BEGIN GENERATED: name -->} and {@code <!-- END GENERATED: name -->}. */
  static void checkSection(String relativePath, String name, String generated) {
    Path page = RepoFiles.path(relativePath);
    String text = RepoFiles.read(page);
    String begin = "<!-- BEGIN GENERATED: " + name + " (" + REGENERATE + ") -->\n";
    String end = "<!-- END GENERATED: " + name + " -->";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    assertThat(from).as(relativePath + " has the line " + begin.strip()).isNotNegative();
    assertThat(to).as(relativePath + " has the line " + end).isGreaterThan(from);
    String committed = text.substring(from + begin.length(), to);
    if (Boolean.getBoolean("dotproxy.docs.update")) {
      write(page, text.substring(0, from + begin.length()) + generated + text.substring(to));
      committed = generated;
    }
    assertThat(committed).as("the generated part '" + name + "' of " + relativePath + " is stale; regenerate it with: "
        + REGENERATE).isEqualTo(generated);
  }

  /** A generated page's first lines: its title and where it comes from. */
  static String header(String title, String source) {
    return "# " + title + "\n\n<!-- Generated from " + source + "; do not edit. Regenerate with:\n     " + REGENERATE
        + " -->\n\n";
  }

  /** Text for a Markdown table cell. */
  static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ").strip();
  }

  private static void write(Path page, String text) {
    try {
      Files.createDirectories(page.getParent());
      Files.writeString(page, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
