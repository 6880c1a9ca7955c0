package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a small C source shipped as a test resource with the system {@code gcc} into
 * {@code target/<dir>/}. The product is reused while it is newer than the source, so a test run
 * pays for gcc at most once, and is built into a temporary file and moved atomically, so parallel
 * surefire forks never load a half-written binary.
 */
final class NativeBuild {

    private NativeBuild() {
    }

    /**
     * @param resource   classpath resource of the C source, e.g. {@code /testing/nodelay.c}
     * @param outputDir  directory name under {@code target/}
     * @param outputName file name of the product
     * @param gccFlags   flags placed between the source and {@code -o}
     */
    static Path compile(String resource, String outputDir, String outputName, String... gccFlags) {
        try {
            Path dir = Files.createDirectories(TestPaths.targetDir().resolve(outputDir));
            Path source = dir.resolve(Path.of(resource).getFileName().toString());
            Path product = dir.resolve(outputName);
            byte[] wanted = readResource(resource);
            if (!Files.exists(source) || !Arrays.equals(Files.readAllBytes(source), wanted)) {
                Files.write(source, wanted);
            }
            if (Files.exists(product)
                    && Files.getLastModifiedTime(product).compareTo(Files.getLastModifiedTime(source)) >= 0) {
                return product;
            }
            Path temp = Files.createTempFile(dir, outputName, ".tmp");
            List<String> command = new ArrayList<>(List.of("gcc", source.toString()));
            command.addAll(List.of(gccFlags));
            command.addAll(List.of("-o", temp.toString()));
            run(command);
            Files.move(temp, product, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return product;
        } catch (IOException e) {
            throw new UncheckedIOException("could not build " + resource, e);
        }
    }

    private static byte[] readResource(String resource) throws IOException {
        try (InputStream in = NativeBuild.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            return in.readAllBytes();
        }
    }

    private static void run(List<String> command) throws IOException {
        Process gcc;
        try {
            gcc = OwnedProcesses.start(new ProcessBuilder(command).redirectErrorStream(true));
        } catch (IOException e) {
            throw new IOException("gcc is needed to build test shims (apt-get install gcc): " + e.getMessage(), e);
        }
        try {
            String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new IOException("gcc failed: " + String.join(" ", command) + "\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling", e);
        } finally {
            OwnedProcesses.stop(gcc, 1000);
        }
    }
}
