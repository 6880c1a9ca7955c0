package io.dotproxy.runtime.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds system binaries. Debian installs unbound in {@code /usr/sbin}, which is not on a normal
 * user's PATH, so the sbin directories are searched too.
 */
final class Executables {

    private Executables() {
    }

    static String find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(name + " not found on PATH or in /usr/sbin (apt-get install it)");
    }
}
