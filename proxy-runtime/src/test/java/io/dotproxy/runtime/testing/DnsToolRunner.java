package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a DNS command-line client ({@link Dig}, {@link Kdig}) against one loopback server and parses
 * its output. Immutable: the {@code with...} methods return configured copies.
 *
 * <p>Each run gets a single try with a per-try timeout, plus a process timeout a few seconds longer,
 * so a hung binary cannot hang the test.
 */
public abstract class DnsToolRunner<T extends DnsToolRunner<T>> {

    private static final Duration PROCESS_GRACE = Duration.ofSeconds(3);
    private static final ExecutorService PIPE_READERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "dns-tool-pipe-reader");
        thread.setDaemon(true);
        return thread;
    });

    final InetSocketAddress server;
    final Duration tryTimeout;
    final List<String> defaultOptions;

    DnsToolRunner(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions) {
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("tests only query loopback servers, not " + server);
        }
        this.server = server;
        this.tryTimeout = tryTimeout;
        this.defaultOptions = List.copyOf(defaultOptions);
    }

    abstract String binary();

    /** The tool's options for "one try, this timeout in whole seconds". */
    abstract List<String> singleTryOptions(long seconds);

    abstract T copy(InetSocketAddress server, Duration tryTimeout, List<String> defaultOptions);

    /** The per-try timeout (rounded up to whole seconds, the tools' granularity). */
    public T withTimeout(Duration timeout) {
        return copy(server, timeout, defaultOptions);
    }

    /** Options added to every query, e.g. {@code "+tcp"} or kdig's {@code "+tls-ca=..."}. */
    public T withOptions(String... options) {
        List<String> all = new ArrayList<>(defaultOptions);
        all.addAll(List.of(options));
        return copy(server, tryTimeout, all);
    }

    /** Queries {@code name}/{@code type} with extra options such as {@code +tcp}, {@code +bufsize=512}, {@code +noedns}. */
    public DigResult query(String name, String type, String... options) {
        long seconds = Math.max(1, (tryTimeout.toMillis() + 999) / 1000);
        List<String> command = new ArrayList<>(List.of(binary(), "@" + server.getAddress().getHostAddress(),
                "-p", Integer.toString(server.getPort())));
        command.addAll(singleTryOptions(seconds));
        command.addAll(defaultOptions);
        command.addAll(List.of(options));
        command.add(name);
        command.add(type);
        return run(command, Duration.ofSeconds(seconds).plus(PROCESS_GRACE));
    }

    private static DigResult run(List<String> command, Duration processTimeout) {
        Process process;
        try {
            process = OwnedProcesses.start(new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0), e);
        }
        // Drain both pipes concurrently so a chatty tool cannot block on a full pipe.
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        boolean timedOut = false;
        try {
            process.getOutputStream().close();
            timedOut = !process.waitFor(processTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            timedOut = true;
        } catch (IOException ignored) {
            // stdin already closed
        }
        if (timedOut) {
            OwnedProcesses.kill(process);
        }
        // Read the pipes to the end before releasing the process: Process.destroy() closes them, and
        // calling it on an exited process could still cut off output not yet drained.
        String out = stdout.join();
        String err = stderr.join();
        OwnedProcesses.forget(process);
        return DigResult.parse(timedOut ? -1 : process.exitValue(), timedOut, out, err);
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        // Own daemon threads, not the common pool: these block on I/O.
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, PIPE_READERS);
    }
}
