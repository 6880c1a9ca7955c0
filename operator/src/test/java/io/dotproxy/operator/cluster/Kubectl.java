package io.dotproxy.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** kubectl as a user runs it, against the test control plane only (its own kubeconfig and HOME). */
public final class Kubectl {

  private final Path binary;
  private final Path kubeconfig;
  private final Path home;

  Kubectl(Path binary, Path kubeconfig, Path home) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.home = home;
  }

  /** What kubectl printed and how it exited. */
  public record Result(int exitCode, String out, String err) {
    public Result assertSuccess() {
      if (exitCode != 0) {
        throw new AssertionError("kubectl exited " + exitCode + ":\n" + err + "\n" + out);
      }
      return this;
    }
  }

  public Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs with {@code input} on standard input (for {@code -f -}). */
  public Result runWithInput(String input, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("kubectl-", ".out");
      Path err = Files.createTempFile("kubectl-", ".err");
      try {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        ControlPlane.isolatedEnvironment(builder.environment(), kubeconfig, home);
        Process process = builder.start();
        try (var stdin = process.getOutputStream()) {
          if (input != null) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
          }
        }
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within 2 minutes");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
