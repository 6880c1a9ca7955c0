package io.dotproxy.runtime.testing;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs Knot's {@code kdig} (3.2). Unlike dig it sends no EDNS unless asked ({@code +edns},
 * {@code +bufsize=N}), prints warnings/errors on stderr, exits 1 when no answer arrived, and with an
 * explicit {@code +notcp} it does not retry a truncated reply over TCP.
 */
public final class Kdig extends DnsToolRunner<Kdig> {

    private Kdig(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions) {
        super(server, tryTimeout, defaultOptions);
    }

    /** A runner for {@code server} (must be loopback), 2 s per try, one try. */
    public static Kdig against(InetSocketAddress server) {
        return new Kdig(server, Duration.ofSeconds(2), List.of());
    }

    /** A copy that speaks DoT, trusting {@code caFile} and verifying the certificate for {@code hostname}. */
    public Kdig withTls(Path caFile, String hostname) {
        return withOptions("+tls", "+tls-ca=" + caFile, "+tls-hostname=" + hostname);
    }

    @Override
    String binary() {
        return Executables.find("kdig");
    }

    @Override
    List<String> singleTryOptions(long seconds) {
        return List.of("+timeout=" + seconds, "+retry=0");
    }

    @Override
    Kdig copy(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions) {
        return new Kdig(server, tryTimeout, defaultOptions);
    }
}
