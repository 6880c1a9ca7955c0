package io.dotproxy.runtime.testing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Runs BIND's {@code dig} (9.18). Note dig falls back to TCP on a truncated UDP reply even with
 * {@code +notcp}; pass {@code +ignore} to see the TC bit instead.
 */
public final class Dig extends DnsToolRunner<Dig> {

    private Dig(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions) {
        super(server, tryTimeout, defaultOptions);
    }

    /** A runner for {@code server} (must be loopback), 2 s per try, one try. */
    public static Dig against(InetSocketAddress server) {
        return new Dig(server, Duration.ofSeconds(2), List.of());
    }

    @Override
    String binary() {
        return Executables.find("dig");
    }

    @Override
    List<String> singleTryOptions(long seconds) {
        return List.of("+time=" + seconds, "+tries=1");
    }

    @Override
    Dig copy(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions) {
        return new Dig(server, tryTimeout, defaultOptions);
    }
}
