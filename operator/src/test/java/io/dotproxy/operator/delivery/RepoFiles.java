package io.dotproxy.operator.delivery;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository's delivery files (chart, examples, Dockerfiles, docs) and YAML manifests read from them. */
public final class RepoFiles {

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---[ \\t]*$");

  private RepoFiles() {}

  /** The repository root: the surefire/failsafe property, else the parent of the module directory. */
  public static Path root() {
    String configured = System.getProperty("dotproxy.repo.root");
    Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("operator/pom.xml"))) {
      throw new IllegalStateException(root + " is not the dotproxy repository root");
    }
    return root;
  }

  public static Path path(String relative) {
    return root().resolve(relative);
  }

  public static String read(String relative) {
    return read(path(relative));
  }

  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The non-empty YAML documents of a multi-document text, each as a map. */
  public static List<Map<String, Object>> documents(String yaml) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (String part : DOCUMENT_SEPARATOR.split(yaml)) {
      if (part.lines().allMatch(line -> line.isBlank() || line.stripLeading().startsWith("#"))) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> document = Serialization.unmarshal(part, Map.class);
      documents.add(document);
    }
    return documents;
  }

  /**
   * The Kubernetes objects of a multi-document text, typed by fabric8's Serialization (Deployment,
   * ClusterRole, ...); kinds it does not know (Certificate, ServiceMonitor, DnsOverTlsProxy) come back as
   * {@link GenericKubernetesResource}.
   */
  static List<HasMetadata> objects(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (Map<String, Object> document : documents(yaml)) {
      KubernetesResource resource = Serialization.unmarshal(Serialization.asYaml(document));
      if (!(resource instanceof HasMetadata object)) {
        throw new IllegalArgumentException("not a Kubernetes object: " + document);
      }
      objects.add(object);
    }
    return objects;
  }

  /** The first executable {@code name} in the directories of PATH. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
