package io.dotproxy.operator.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Puts the printer columns of a generated DnsOverTlsProxy CRD in the order {@link DnsOverTlsProxy} declares
 * them: fabric8's generator sorts them by JSON path, which would make `kubectl get dotp` show AGE first.
 * Runs in the build right after the generator (operator/pom.xml), on the generated YAML as text, so that
 * nothing else in the file changes.
 */
public final class PrinterColumnOrder {

  private static final String COLUMNS = "  - additionalPrinterColumns:";
  private static final String ENTRY = "    - jsonPath: ";

  private PrinterColumnOrder() {}

  /** @param args the generated CRD files to rewrite */
  public static void main(String[] args) throws IOException {
    for (String file : args) {
      Path path = Path.of(file);
      Files.writeString(path, reorder(Files.readString(path)));
    }
  }

  static String reorder(String crd) {
    List<String> lines = new ArrayList<>(crd.lines().toList());
    int start = lines.indexOf(COLUMNS) + 1;
    if (start == 0) {
      throw new IllegalArgumentException("no additionalPrinterColumns in the CRD");
    }
    List<List<String>> entries = new ArrayList<>();
    int end = start;
    while (end < lines.size() && (lines.get(end).startsWith(ENTRY) || lines.get(end).startsWith("      "))) {
      if (lines.get(end).startsWith(ENTRY)) {
        entries.add(new ArrayList<>());
      }
      entries.get(entries.size() - 1).add(lines.get(end));
      end++;
    }
    List<String> declared = Arrays.stream(DnsOverTlsProxy.class.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    entries.sort(Comparator.comparingInt(entry -> declared.indexOf(name(entry))));
    List<String> result = new ArrayList<>(lines.subList(0, start));
    entries.forEach(result::addAll);
    result.addAll(lines.subList(end, lines.size()));
    return String.join("\n", result) + (crd.endsWith("\n") ? "\n" : "");
  }

  private static String name(List<String> entry) {
    return entry.stream().filter(line -> line.startsWith("      name: ")).findFirst()
        .map(line -> line.substring("      name: ".length()).replace("\"", ""))
        .orElseThrow(() -> new IllegalArgumentException("a printer column without a name: " + entry));
  }
}
