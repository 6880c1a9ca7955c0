package io.dotproxy.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Where the control plane's programs come from.
 *
 * <p>Settings (a system property wins over the environment variable):
 * <ul>
 *   <li>{@code dotproxy.k8s.dir} / {@code DOTPROXY_K8S_DIR}: a directory holding {@code kube-apiserver},
 *       {@code kube-controller-manager}, {@code kube-scheduler} and optionally {@code kubectl} and
 *       {@code etcd}, plain or xz-compressed ({@code NAME.xz}, unpacked once into {@code target/k8s}).
 *       Default: {@code ../shared/k8s} beside the repository.
 *   <li>{@code dotproxy.k8s.version} / {@code DOTPROXY_K8S_VERSION}: the version the API server must
 *       report, e.g. {@code 1.20.2}; default: whatever it is.
 * </ul>
 * etcd is taken from that directory, else from the PATH (Debian's {@code etcd-server}); kubectl likewise.
 */
public record ControlPlaneBinaries(
    Path apiServer, Path controllerManager, Path scheduler, Path etcd, Path kubectl, Optional<String> version) {

  static final List<String> CONTROL_PLANE = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler");

  static final String HOW_TO_GET_THEM = "The real-control-plane tests need kube-apiserver, kube-controller-manager and"
      + " kube-scheduler (v1.20 or newer, linux-amd64) in the directory set by -Ddotproxy.k8s.dir or DOTPROXY_K8S_DIR"
      + " (default ../shared/k8s beside the repository; NAME or NAME.xz), and etcd on the PATH"
      + " (Debian: apt-get install etcd-server; or in that directory). Kubernetes publishes these binaries as"
      + " kubernetes-server-linux-amd64.tar.gz with each release; etcd as etcd-vX-linux-amd64.tar.gz.";

  /** The binaries, or why they cannot be had (for the skip or failure message). */
  public static Lookup find(Function<String, String> properties, Map<String, String> env, Path repoRoot, Path workDir) {
    Function<String, Optional<String>> setting = name -> Optional.ofNullable(properties.apply("dotproxy.k8s." + name))
        .or(() -> Optional.ofNullable(env.get("DOTPROXY_K8S_" + name.toUpperCase())))
        .map(String::strip)
        .filter(s -> !s.isEmpty());
    Path dir = setting.apply("dir").map(Path::of).orElse(repoRoot.resolve("../shared/k8s")).toAbsolutePath().normalize();
    List<String> missing = new ArrayList<>();
    List<Path> found = new ArrayList<>();
    try {
      for (String name : CONTROL_PLANE) {
        Optional<Path> binary = program(dir, name, workDir);
        binary.ifPresentOrElse(found::add, () -> missing.add(name + " in " + dir));
      }
      Optional<Path> etcd = program(dir, "etcd", workDir).or(() -> onPath("etcd", env));
      if (etcd.isEmpty()) {
        missing.add("etcd (in " + dir + " or on the PATH)");
      }
      Optional<Path> kubectl = program(dir, "kubectl", workDir).or(() -> onPath("kubectl", env));
      if (kubectl.isEmpty()) {
        missing.add("kubectl (in " + dir + " or on the PATH)");
      }
      if (!missing.isEmpty()) {
        return new Lookup(Optional.empty(), "missing " + String.join(", ", missing) + ". " + HOW_TO_GET_THEM);
      }
      return new Lookup(Optional.of(new ControlPlaneBinaries(found.get(0), found.get(1), found.get(2), etcd.get(),
          kubectl.get(), setting.apply("version"))), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The outcome of {@link #find}: binaries, or the reason there are none. */
  public record Lookup(Optional<ControlPlaneBinaries> binaries, String problem) {}

  private static Optional<Path> program(Path dir, String name, Path workDir) throws IOException {
    Path plain = dir.resolve(name);
    if (Files.isRegularFile(plain) && Files.isExecutable(plain)) {
      return Optional.of(plain);
    }
    Path compressed = dir.resolve(name + ".xz");
    if (!Files.isRegularFile(compressed)) {
      return Optional.empty();
    }
    Path unpacked = workDir.resolve(name);
    if (!Files.isRegularFile(unpacked) || Files.getLastModifiedTime(unpacked).compareTo(Files.getLastModifiedTime(compressed)) < 0) {
      unxz(compressed, unpacked);
    }
    return Optional.of(unpacked);
  }

  /** xz-utils is in every Debian base image; Java has no xz decoder of its own. */
  private static void unxz(Path compressed, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Path partial = target.resolveSibling(target.getFileName() + ".partial");
    Process xz = new ProcessBuilder("xz", "-dc", compressed.toString())
        .redirectOutput(partial.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try {
      if (!xz.waitFor(2, TimeUnit.MINUTES) || xz.exitValue() != 0) {
        xz.destroyForcibly();
        throw new IOException("xz -dc " + compressed + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    partial.toFile().setExecutable(true);
    Files.move(partial, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static Optional<Path> onPath(String name, Map<String, String> env) {
    String path = env.getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin";
    for (String entry : path.split(":")) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
