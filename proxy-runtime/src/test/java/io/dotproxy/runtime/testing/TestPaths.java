package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the module's {@code target/} directory, where fixtures keep build products and scratch
 * directories. Using {@code target/} (not {@code /tmp}) means {@code mvn clean} removes everything
 * and a failed run leaves its Unbound logs next to the surefire reports for inspection.
 */
final class TestPaths {

    private TestPaths() {
    }

    /** The {@code target/} directory of the module whose test classes contain this class. */
    static Path targetDir() {
        try {
            Path classes = Path.of(TestPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // .../target/test-classes -> .../target; fall back to ./target when run from elsewhere (IDE, jar).
            Path parent = classes.getParent();
            if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target")) {
                return parent;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the working-directory default
        }
        return Path.of("target").toAbsolutePath();
    }

    /** A new, empty directory under {@code target/<area>/}. */
    static Path newScratchDir(String area, String prefix) {
        try {
            Path base = Files.createDirectories(targetDir().resolve(area));
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree, ignoring failures: cleanup must never mask a test result. */
    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
