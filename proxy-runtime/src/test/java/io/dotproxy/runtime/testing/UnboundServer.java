package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * A real Unbound 1.17 on loopback, serving a {@link SyntheticZone} either as DNS-over-TLS or as plain
 * DNS (UDP and TCP on one port). It never recurses: {@code local-zone: "." refuse} answers REFUSED for
 * everything outside the synthetic zone, and there are no trust anchors or root hints to prime.
 *
 * <p>Everything lives in a scratch directory under {@code target/unbound/} (config, PEM files, log,
 * console output), removed on {@link #close()}. The process is started with {@link NodelayShim} preloaded
 * unless disabled, is registered for the JVM-exit reaper, and is only ever stopped via its own handle.
 *
 * <p>{@link #stop()}/{@link #kill()} followed by {@link #start()} brings it back on the same port, for
 * "upstream went away and came back" tests.
 */
public final class UnboundServer implements AutoCloseable {

    private static final int MAX_PORT_PICKS = 3;

    private final Builder settings;
    private final Path directory;
    private final Path configFile;
    private final Path logFile;
    private final Path consoleFile;
    private final Issued.PemFiles pemFiles;
    /** Answered to "id.server. CH TXT": proves the responder is this instance, not whoever else holds the port. */
    private final String identity = "dotproxy-test-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    private volatile int port;
    private boolean portSettled;
    private Process process;

    private UnboundServer(Builder settings) {
        this.settings = settings;
        this.directory = TestPaths.newScratchDir("unbound", "unbound-");
        this.configFile = directory.resolve("unbound.conf");
        this.logFile = directory.resolve("unbound.log");
        this.consoleFile = directory.resolve("console.log");
        this.portSettled = settings.fixedPort != 0;
        try {
            this.pemFiles = settings.certificate == null ? null : settings.certificate.writePem(directory);
            this.port = settings.fixedPort != 0 ? settings.fixedPort : FreePorts.pick(settings.ipv6);
            writeConfig();
        } catch (RuntimeException e) {
            TestPaths.deleteQuietly(directory);
            throw e;
        }
    }

    /** Plain DNS over UDP and TCP on one port. */
    public static Builder plain() {
        return new Builder(null);
    }

    /** DNS-over-TLS presenting {@code certificate} (Unbound also answers plain UDP on that port). */
    public static Builder dot(Issued certificate) {
        return new Builder(certificate);
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code [::1]:port}; only served when built with {@link Builder#ipv6(boolean) ipv6(true)}. */
    public InetSocketAddress ipv6Address() {
        try {
            return new InetSocketAddress(InetAddress.getByName("::1"), port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isTls() {
        return settings.certificate != null;
    }

    /** The PEM files Unbound serves (their CA file is what a client should trust); empty in plain mode. */
    public Optional<Issued.PemFiles> pemFiles() {
        return Optional.ofNullable(pemFiles);
    }

    public Path configFile() {
        return configFile;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("not running");
        }
        return process.pid();
    }

    /**
     * Starts Unbound and returns once it has answered a DNS query (over TLS in DoT mode), or throws
     * with the tail of its log. Restarts reuse the port.
     */
    public synchronized UnboundServer start() {
        if (isRunning()) {
            throw new IllegalStateException("already running on port " + port);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                launchAndAwaitReady();
                portSettled = true;
                return this;
            } catch (PortTakenException e) {
                // Someone grabbed the port between FreePorts.pick() and Unbound's bind: pick again,
                // but only before the first successful start (restarts must keep their port).
                if (portSettled || attempt >= MAX_PORT_PICKS) {
                    throw new IllegalStateException(e.getMessage());
                }
                port = FreePorts.pick(settings.ipv6);
                writeConfig();
            }
        }
    }

    /** Graceful stop (SIGTERM, then SIGKILL after 5 s); waits for the process to exit. */
    public synchronized void stop() {
        if (process != null) {
            OwnedProcesses.stop(process, 5_000);
            process = null;
        }
    }

    /** Abrupt stop (SIGKILL), like a crash: no TLS close_notify, connections just die. */
    public synchronized void kill() {
        if (process != null) {
            OwnedProcesses.kill(process);
            process = null;
        }
    }

    /** Stops the process and deletes its scratch directory. */
    @Override
    public synchronized void close() {
        stop();
        TestPaths.deleteQuietly(directory);
    }

    /** The last {@code lines} lines of Unbound's log file and of its console output (where bind errors go). */
    public String logTail(int lines) {
        return "--- " + logFile + "\n" + tail(logFile, lines) + "--- " + consoleFile + "\n" + tail(consoleFile, lines);
    }

    private void launchAndAwaitReady() {
        if (process != null) {
            OwnedProcesses.forget(process); // exited on its own since the last start
        }
        ProcessBuilder builder = new ProcessBuilder(Executables.find("unbound"), "-d", "-c", configFile.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleFile.toFile()));
        if (settings.nodelayShim) {
            builder.environment().put("LD_PRELOAD", NodelayShim.library().toString());
        }
        try {
            process = OwnedProcesses.start(builder);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start unbound", e);
        }
        long deadline = System.nanoTime() + settings.startupTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                OwnedProcesses.forget(process);
                process = null;
                String tail = logTail(30);
                if (tail.contains("could not open ports")) {
                    throw new PortTakenException("unbound could not bind port " + port + "\n" + tail);
                }
                throw new IllegalStateException("unbound exited during startup\n" + tail);
            }
            if (answersQuery()) {
                return;
            }
            sleep(20);
        }
        stop();
        throw new IllegalStateException("unbound did not answer within " + settings.startupTimeout + "\n" + logTail(30));
    }

    /**
     * Readiness means "this instance answers DNS", not "port open": Unbound binds before it has loaded
     * everything, and another server may already hold the port (then a plain probe would be answered
     * by it), so the probe asks for this instance's unique {@code identity}.
     */
    private boolean answersQuery() {
        try {
            Message probe = Message.newQuery(Record.newRecord(Name.fromString("id.server."), Type.TXT, DClass.CH));
            Message response;
            if (isTls()) {
                SSLContext trustOwnCa = TestPki.clientSslContext(settings.certificate.caCertificate());
                try (DnsClient.Stream tls = DnsClient.tls(address(), trustOwnCa, null)) {
                    response = tls.exchange(probe, Duration.ofMillis(500));
                }
            } else {
                try (DnsClient.Udp udp = DnsClient.udp(address())) {
                    response = udp.exchange(probe, Duration.ofMillis(200));
                }
            }
            return response.getSection(Section.ANSWER).stream()
                    .anyMatch(record -> record instanceof TXTRecord && DnsClient.txtStrings(record).contains(identity));
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private void writeConfig() {
        List<String> lines = new ArrayList<>(List.of(
                "do-daemonize: no",
                "chroot: \"\"",
                "username: \"\"",
                "directory: \"" + directory + "\"",
                "pidfile: \"\"",
                "use-syslog: no",
                "logfile: \"" + logFile + "\"",
                "log-time-ascii: yes",
                "verbosity: " + settings.verbosity,
                "identity: \"" + identity + "\"",
                "interface: 127.0.0.1@" + port,
                "access-control: 127.0.0.0/8 allow",
                "access-control: ::1 allow",
                "do-ip6: " + (settings.ipv6 ? "yes" : "no"),
                "num-threads: 1",
                // Fail loudly on a port clash instead of silently sharing the port with another server.
                "so-reuseport: no",
                // Default is 10 per thread: far too few for connection-pool and load tests. Unbound
                // refuses to start if this (plus outgoing sockets) exceeds the fd limit (1024 is common).
                "incoming-num-tcp: " + settings.maxTcpClients,
                // It never recurses, so it needs few outgoing sockets (keeps the fd budget small).
                "outgoing-range: 64",
                "outgoing-num-tcp: 4",
                "tcp-idle-timeout: " + settings.tcpIdleTimeout.toMillis(),
                // No validator/subnet modules: nothing to validate and less startup work.
                "module-config: \"iterator\"",
                // Deterministic record order, so answers can be compared byte for byte.
                "rrset-roundrobin: no",
                // Never recurse to the internet: anything outside local zones is REFUSED.
                "local-zone: \".\" refuse"));
        if (settings.ipv6) {
            lines.add("interface: ::1@" + port);
        }
        if (pemFiles != null) {
            lines.add("tls-port: " + port);
            lines.add("tls-service-key: \"" + pemFiles.privateKey() + "\"");
            lines.add("tls-service-pem: \"" + pemFiles.certChain() + "\"");
        }
        lines.addAll(settings.zone.configLines());
        lines.addAll(settings.extraConfig);
        StringBuilder text = new StringBuilder("server:\n");
        lines.forEach(line -> text.append("  ").append(line).append('\n'));
        try {
            Files.writeString(configFile, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        checkConfig();
    }

    /** unbound-checkconf gives precise messages; a bad config would otherwise surface as a startup timeout. */
    private void checkConfig() {
        Process check = null;
        try {
            check = OwnedProcesses.start(new ProcessBuilder(Executables.find("unbound-checkconf"), configFile.toString())
                    .redirectErrorStream(true));
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
                throw new IllegalArgumentException("unbound-checkconf rejected " + configFile + ":\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (check != null) {
                OwnedProcesses.stop(check, 1_000);
            }
        }
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(missing)\n";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder();
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(line -> out.append(line).append('\n'));
            return out.toString();
        } catch (IOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final class PortTakenException extends RuntimeException {
        PortTakenException(String message) {
            super(message);
        }
    }

    /** Settings; {@link #start()} creates, configures and starts the server. */
    public static final class Builder {

        private final Issued certificate;
        private int fixedPort;
        private SyntheticZone zone = SyntheticZone.standard();
        private boolean ipv6;
        private boolean nodelayShim = true;
        private Duration tcpIdleTimeout = Duration.ofSeconds(30);
        private Duration startupTimeout = Duration.ofSeconds(10);
        private int verbosity = 1;
        private int maxTcpClients = 400;
        private final List<String> extraConfig = new ArrayList<>();

        private Builder(Issued certificate) {
            this.certificate = certificate;
        }

        /** Use this port instead of a free one (0 means pick a free one). */
        public Builder port(int port) {
            this.fixedPort = port;
            return this;
        }

        /** The zone to serve; default {@link SyntheticZone#standard()}. */
        public Builder zone(SyntheticZone zone) {
            this.zone = zone;
            return this;
        }

        /** Also listen on {@code [::1]} with the same port. */
        public Builder ipv6(boolean ipv6) {
            this.ipv6 = ipv6;
            return this;
        }

        /** Preload {@link NodelayShim} (default true); disable only to demonstrate Nagle's effect. */
        public Builder nodelayShim(boolean enabled) {
            this.nodelayShim = enabled;
            return this;
        }

        /** How long Unbound keeps an idle client TCP/TLS connection (its default is 30 s). */
        public Builder tcpIdleTimeout(Duration timeout) {
            this.tcpIdleTimeout = timeout;
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * Concurrent client TCP/TLS connections Unbound accepts per listening address (its
         * {@code incoming-num-tcp}; default here 400, Unbound's own is 10). Unbound reserves a file
         * descriptor for each up front and refuses to start beyond {@code ulimit -n}; the default fits
         * a limit of 1024 even with {@link #ipv6(boolean) ipv6(true)}.
         */
        public Builder maxTcpClients(int connections) {
            this.maxTcpClients = connections;
            return this;
        }

        /** Unbound log verbosity (1 = operational, 2+ = per-query detail; noisy). */
        public Builder verbosity(int verbosity) {
            this.verbosity = verbosity;
            return this;
        }

        /**
         * An extra line for the {@code server:} clause, e.g. {@code "edns-tcp-keepalive: yes"}. Do not
         * set {@code hide-identity: yes}: the readiness probe asks for {@code id.server}.
         */
        public Builder config(String serverClauseLine) {
            extraConfig.add(serverClauseLine);
            return this;
        }

        /** Writes and checks the config, starts Unbound and waits until it answers. */
        public UnboundServer start() {
            UnboundServer server = new UnboundServer(this);
            try {
                return server.start();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
    }
}
