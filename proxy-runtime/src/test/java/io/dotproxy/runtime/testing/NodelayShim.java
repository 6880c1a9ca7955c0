package io.dotproxy.runtime.testing;

import java.nio.file.Path;

/**
 * An {@code LD_PRELOAD} library that turns on {@code TCP_NODELAY} for every accepted TCP socket of
 * the process it is loaded into (source: {@code src/test/resources/testing/nodelay.c}).
 *
 * <p>Why: stock Unbound leaves Nagle's algorithm on for DoT. Right after a TLS 1.3 handshake it has
 * unacknowledged session tickets in flight, so the first small answer on the connection waits for the
 * client's delayed ACK (about 40 ms on Linux loopback). {@link UnboundServer} preloads this shim so
 * latency measured through the proxy is the proxy's, not Nagle's.
 *
 * <p>Built with gcc once per JVM into {@code target/nodelay-shim/libnodelay.so} and reused across runs
 * while it is newer than its source.
 */
public final class NodelayShim {

    private static Path library;

    private NodelayShim() {
    }

    /** Absolute path of the shim, for the {@code LD_PRELOAD} environment variable. Builds it if needed. */
    public static synchronized Path library() {
        if (library == null) {
            library = NativeBuild.compile("/testing/nodelay.c", "nodelay-shim", "libnodelay.so",
                    "-shared", "-fPIC", "-O2", "-Wall", "-ldl").toAbsolutePath();
        }
        return library;
    }
}
