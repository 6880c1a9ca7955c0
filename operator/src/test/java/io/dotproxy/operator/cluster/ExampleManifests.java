package io.dotproxy.operator.cluster;

import io.dotproxy.operator.delivery.RepoFiles;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The manifests under examples/, as users apply them, with one change: the namespaces they name (dns,
 * demo, argocd) are replaced by a test's own, so that test classes sharing the control plane never meet.
 * Namespace objects are renamed the same way. Comments are dropped; nothing else changes.
 */
final class ExampleManifests {

  private final Map<String, String> namespaces;

  /** @param namespaces the examples' namespace -> the test's */
  ExampleManifests(Map<String, String> namespaces) {
    this.namespaces = Map.copyOf(namespaces);
  }

  static Path dir() {
    return RepoFiles.path("examples");
  }

  /** Every YAML file under examples/, relative to it (e.g. "argocd/dotproxy.yaml"), sorted. */
  static List<String> files() {
    try (Stream<Path> files = Files.walk(dir())) {
      return files.filter(p -> p.toString().endsWith(".yaml")).map(p -> dir().relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The documents of one file, e.g. "sidecar.yaml", with the namespaces replaced. */
  List<Map<String, Object>> documents(String file) {
    return inTestNamespaces(RepoFiles.documents(RepoFiles.read(dir().resolve(file))));
  }

  /** The documents (as parsed, e.g. what kustomize built from the examples) with the namespaces replaced. */
  List<Map<String, Object>> inTestNamespaces(List<Map<String, Object>> parsed) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Map<String, Object> document : parsed) {
      Map<String, Object> metadata = metadata(document);
      if ("Namespace".equals(document.get("kind"))) {
        metadata.put("name", renamed((String) metadata.get("name")));
      } else if (metadata.get("namespace") != null) {
        metadata.put("namespace", renamed((String) metadata.get("namespace")));
      }
      documents.add(document);
    }
    return documents;
  }

  /** The files' documents as one multi-document YAML text, for {@code kubectl apply -f -}. */
  String yaml(String... files) {
    return yaml(Stream.of(files).flatMap(f -> documents(f).stream()).toList());
  }

  static String yaml(List<Map<String, Object>> documents) {
    return documents.stream().map(Serialization::asYaml).collect(Collectors.joining("\n"));
  }

  /**
   * For each document, a pattern for the line kubectl prints about it followed by {@code outcome}, e.g.
   * "dnsovertlsproxy.dotproxy.io/edge created (server dry run)".
   */
  static List<String> outputLines(List<Map<String, Object>> documents, String outcome) {
    return documents.stream()
        .map(d -> "(?m)^" + Pattern.quote(((String) d.get("kind")).toLowerCase()) + "(\\.[a-z0-9.-]+)?/"
            + Pattern.quote((String) metadata(d).get("name")) + " " + Pattern.quote(outcome) + "$")
        .toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> document) {
    return (Map<String, Object>) document.get("metadata");
  }

  private String renamed(String namespace) {
    String replacement = namespaces.get(namespace);
    if (replacement == null) {
      throw new IllegalArgumentException("the examples use namespace " + namespace + ", which this test does not replace");
    }
    return replacement;
  }
}
