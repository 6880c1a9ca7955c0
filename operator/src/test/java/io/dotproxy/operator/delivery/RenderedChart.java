package io.dotproxy.operator.delivery;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** charts/dotproxy-operator rendered by real Helm (helm-java's bundled native library), like `helm template`. */
public final class RenderedChart {

  public static final String RELEASE = "dotproxy-operator";
  public static final String NAMESPACE = "dotproxy-system";
  static final String KUBE_VERSION = "1.31.0";

  final String manifest;
  final List<HasMetadata> objects;

  private RenderedChart(String manifest) {
    this(manifest, RepoFiles.objects(manifest));
  }

  private RenderedChart(String manifest, List<HasMetadata> objects) {
    this.manifest = manifest;
    this.objects = objects;
  }

  /** The objects rendered, typed as {@link RepoFiles#objects} types them. */
  public List<HasMetadata> objects() {
    return objects;
  }

  /** The rendered manifest, as `helm template` prints it. */
  public String manifest() {
    return manifest;
  }

  static Path chart() {
    return RepoFiles.path("charts/dotproxy-operator");
  }

  /** Renders with the chart's values.yaml plus {@code valuesYaml} (may be empty), CRDs left out. */
  public static RenderedChart render(String valuesYaml) {
    return render(valuesYaml, KUBE_VERSION);
  }

  /** As {@link #render(String)}, for a cluster of {@code kubeVersion} (what `helm template --kube-version` sets). */
  public static RenderedChart render(String valuesYaml, String kubeVersion) {
    return render(chart(), valuesYaml, kubeVersion, NAMESPACE);
  }

  /**
   * The chart's hooks only (the objects annotated {@value #HOOK_ANNOTATION}), as Helm would create them,
   * for {@code valuesYaml}. helm-java's template leaves hooks out, so a copy of the chart is rendered in
   * which the annotation has another name, and the objects carrying it get the real one back.
   */
  public static RenderedChart hooks(String valuesYaml) {
    return hooks(valuesYaml, NAMESPACE);
  }

  /** As {@link #hooks(String)}, for a release in {@code namespace}. */
  public static RenderedChart hooks(String valuesYaml, String namespace) {
    Path copy = null;
    try {
      copy = Files.createTempDirectory("dotproxy-chart-");
      Path target = copy;
      try (Stream<Path> files = Files.walk(chart())) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Path to = target.resolve(chart().relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.writeString(to, Files.readString(file).replace(HOOK_ANNOTATION + ":", RENAMED_HOOK_ANNOTATION + ":"));
          }
        }
      }
      List<HasMetadata> hooks = render(copy, valuesYaml, KUBE_VERSION, namespace).objects.stream()
          .filter(o -> o.getMetadata().getAnnotations() != null
              && o.getMetadata().getAnnotations().containsKey(RENAMED_HOOK_ANNOTATION))
          .toList();
      hooks.forEach(o -> o.getMetadata().getAnnotations().put(HOOK_ANNOTATION,
          o.getMetadata().getAnnotations().remove(RENAMED_HOOK_ANNOTATION)));
      return new RenderedChart(hooks.stream().map(Serialization::asYaml).collect(Collectors.joining()), hooks);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (copy != null) {
        try (Stream<Path> files = Files.walk(copy)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
          // a temporary directory left behind
        }
      }
    }
  }

  static final String HOOK_ANNOTATION = "helm.sh/hook";
  private static final String RENAMED_HOOK_ANNOTATION = "test.dotproxy.io/hook";

  private static RenderedChart render(Path chart, String valuesYaml, String kubeVersion, String namespace) {
    Path values = null;
    try {
      values = Files.createTempFile("dotproxy-values-", ".yaml");
      Files.writeString(values, valuesYaml);
      String manifest = new Helm(chart).template()
          .withName(RELEASE)
          .withNamespace(namespace)
          .withKubeVersion(kubeVersion)
          .withValuesFile(values)
          .skipCrds()
          .call();
      return new RenderedChart(manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (values != null) {
        values.toFile().delete();
      }
    }
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  List<GenericKubernetesResource> generic(String kind) {
    return all(GenericKubernetesResource.class).stream().filter(o -> kind.equals(o.getKind())).collect(Collectors.toList());
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    return find(type, name).orElseThrow(() -> new AssertionError(
        "no " + type.getSimpleName() + " " + name + " in:\n" + summary()));
  }

  public <T extends HasMetadata> T only(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", got " + found.size() + ":\n" + summary());
    }
    return found.get(0);
  }

  String summary() {
    return objects.stream()
        .map(o -> o.getKind() + " " + Optional.ofNullable(o.getMetadata().getNamespace()).map(n -> n + "/").orElse("")
            + o.getMetadata().getName())
        .collect(Collectors.joining("\n"));
  }
}
